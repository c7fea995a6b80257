using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNetLlm.Benchmarks.AutoML;

/// <summary>
/// Optuna results kept between runs of <c>bench tuners</c> (a JSON file, by default
/// <c>artifacts/bench/optuna-cache.json</c> in the clone): per function, sampler, seed, budget, Optuna version and
/// SHA-256 of the Optuna script, the best value found after each of the budget's trials. Optuna's samplers are seeded,
/// so a rerun gives the same values; an entry is only used when it still looks like a run of that function (one value
/// per trial, finite, never increasing, none below the function's minimum) — anything else is treated as missing and
/// rerun. A file that is not a cache at all (not JSON, not readable) stops the benchmark with a one-line error naming
/// it, rather than being silently overwritten.
/// </summary>
internal sealed class OptunaCache
{
    /// <summary>The format written in the file's <c>format</c> field.</summary>
    public const int Format = 1;

    readonly Dictionary<Key, double[]> _entries = [];

    OptunaCache(string path) => FilePath = path;

    /// <summary>What an entry is stored under.</summary>
    public readonly record struct Key(string Function, string Sampler, int Seed, int Budget, string Optuna, string Script);

    /// <summary>The cache file.</summary>
    public string FilePath { get; }

    /// <summary>Entries of the file that were skipped as malformed when it was read (they are rerun).</summary>
    public int Malformed { get; private set; }

    /// <summary>Entries found but rejected by <see cref="TryGet"/> (they are rerun and replaced).</summary>
    public int Rejected { get; private set; }

    /// <summary>Usable entries found by <see cref="TryGet"/>.</summary>
    public int Hits { get; private set; }

    /// <summary>The number of entries held.</summary>
    public int Count => _entries.Count;

    /// <summary>Reads the cache at <paramref name="path"/> (empty when there is no such file).</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a readable cache (one line, naming the file).</exception>
    public static OptunaCache Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var cache = new OptunaCache(path);
        if (!File.Exists(path))
        {
            if (Directory.Exists(path)) throw Unreadable(path, "it is a folder");
            return cache;
        }
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw Unreadable(path, $"not JSON ({FirstLine(e.Message)})"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Unreadable(path, FirstLine(e.Message)); }
        if (root is not JsonObject obj || obj["entries"] is not JsonArray entries)
            throw Unreadable(path, "no \"entries\" array");
        if (obj["format"] is not JsonValue f || !f.TryGetValue(out int format) || format != Format)
            throw Unreadable(path, $"format is not {Format}");
        foreach (var node in entries)
        {
            if (TryParse(node, out var key, out var best)) cache._entries[key] = best;
            else cache.Malformed++;
        }
        return cache;
    }

    /// <summary>The best values after trials 1..budget of <paramref name="key"/>'s run, when a usable entry is held.</summary>
    public bool TryGet(Key key, BenchmarkFunction function, out double[] best)
    {
        best = [];
        if (!_entries.TryGetValue(key, out var stored)) return false;
        if (!Plausible(stored, key.Budget, function))
        {
            Rejected++;
            _entries.Remove(key);
            return false;
        }
        Hits++;
        best = (double[])stored.Clone();
        return true;
    }

    /// <summary>Stores (or replaces) a run's best values after trials 1..budget.</summary>
    public void Put(Key key, double[] best)
    {
        ArgumentNullException.ThrowIfNull(best);
        if (best.Length != key.Budget) throw new ArgumentException($"{best.Length} values for a budget of {key.Budget}.", nameof(best));
        _entries[key] = (double[])best.Clone();
    }

    /// <summary>Writes the cache (a temporary file moved over the old one, so a killed run never leaves half a file).</summary>
    public void Save()
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(FilePath));
        if (dir is not null) Directory.CreateDirectory(dir);
        var entries = new JsonArray();
        foreach (var (k, v) in _entries.OrderBy(e => e.Key.Function, StringComparer.Ordinal).ThenBy(e => e.Key.Sampler, StringComparer.Ordinal)
                     .ThenBy(e => e.Key.Seed).ThenBy(e => e.Key.Budget))
            entries.Add(new JsonObject
            {
                ["function"] = k.Function, ["sampler"] = k.Sampler, ["seed"] = k.Seed, ["budget"] = k.Budget,
                ["optuna"] = k.Optuna, ["script"] = k.Script, ["best"] = new JsonArray(v.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
            });
        var root = new JsonObject { ["format"] = Format, ["entries"] = entries };
        string temp = FilePath + $".{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, root.ToJsonString());
        File.Move(temp, FilePath, overwrite: true);
    }

    /// <summary>Whether <paramref name="best"/> can be a run of <paramref name="function"/> with <paramref name="budget"/> trials.</summary>
    internal static bool Plausible(double[] best, int budget, BenchmarkFunction function)
    {
        if (best.Length != budget) return false;
        double floor = function.Minimum - 1e-9 * Math.Max(1, Math.Abs(function.Minimum));
        for (int i = 0; i < best.Length; i++)
        {
            if (!double.IsFinite(best[i]) || best[i] < floor) return false;
            if (i > 0 && best[i] > best[i - 1]) return false;
        }
        return true;
    }

    static bool TryParse(JsonNode? node, out Key key, out double[] best)
    {
        key = default;
        best = [];
        try
        {
            if (node is not JsonObject o || o["best"] is not JsonArray values) return false;
            string? function = o["function"]?.GetValue<string>(), sampler = o["sampler"]?.GetValue<string>();
            string? optuna = o["optuna"]?.GetValue<string>(), script = o["script"]?.GetValue<string>();
            if (function is null || sampler is null || optuna is null || script is null || o["seed"] is null || o["budget"] is null) return false;
            key = new Key(function, sampler, o["seed"]!.GetValue<int>(), o["budget"]!.GetValue<int>(), optuna, script);
            if (values.Any(v => v is null)) return false;
            best = values.Select(v => v!.GetValue<double>()).ToArray();
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or JsonException)
        {
            return false;
        }
    }

    static InvalidDataException Unreadable(string path, string why) =>
        new($"Optuna cache '{path}' cannot be read: {why}; delete it or pass --no-optuna-cache.");

    static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
