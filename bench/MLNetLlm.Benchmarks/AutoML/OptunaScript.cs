using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace MLNetLlm.Benchmarks.AutoML;

/// <summary>
/// Runs the committed script <c>bench/tuners/optuna_bench.py</c> with a Python that has Optuna (Debian's python3-optuna
/// 3.1; benchmark only) and reads its JSON. The script evaluates each function at a few fixed points; those values are
/// checked against <see cref="BenchmarkFunction"/> so both sides surely optimise the same function.
/// </summary>
internal sealed class OptunaScript(string python, string script, TextWriter? log) : IOptunaBackend
{
    string? _version;

    public string OptunaVersion => _version ??= Invoke(["--optuna-version"]).Trim();

    public string ScriptHash { get; } = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(script)))[..16];

    public Dictionary<(string Function, int Seed), double[]> Run(IReadOnlyList<BenchmarkFunction> functions, string sampler, IReadOnlyList<int> seeds, int budget)
    {
        string output = Path.Combine(Path.GetTempPath(), $"optuna-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            Invoke(["--functions", string.Join(",", functions.Select(f => f.Key)), "--samplers", sampler,
                "--seed-list", string.Join(",", seeds.Select(s => s.ToString(CultureInfo.InvariantCulture))),
                "--budget", budget.ToString(CultureInfo.InvariantCulture),
                "--checkpoints", string.Join(",", Enumerable.Range(1, budget)), "--out", output]);
            using var doc = JsonDocument.Parse(File.ReadAllText(output));
            var fns = doc.RootElement.GetProperty("functions");
            var result = new Dictionary<(string, int), double[]>();
            foreach (var f in functions)
            {
                var entry = fns.GetProperty(f.Key);
                foreach (var check in entry.GetProperty("check").EnumerateArray())
                {
                    var x = check[0].EnumerateArray().Select(v => v.GetDouble()).ToArray();
                    double py = check[1].GetDouble(), cs = f.Evaluate(x);
                    if (!(Math.Abs(py - cs) <= 1e-9 * Math.Max(1, Math.Abs(cs))))
                        throw new InvalidOperationException($"{f.Name}: the Python script gives {py} at ({string.Join(", ", x)}), BenchmarkFunction {cs}.");
                }
                var runs = entry.GetProperty("samplers").GetProperty(sampler).EnumerateArray().ToArray();
                for (int i = 0; i < seeds.Count; i++) result[(f.Key, seeds[i])] = runs[i].EnumerateArray().Select(v => v.GetDouble()).ToArray();
                log?.WriteLine($"{f.Name} Optuna: {sampler} CPU {entry.GetProperty("seconds").GetProperty(sampler).GetDouble():F1} s ({seeds.Count} seeds)");
            }
            return result;
        }
        finally
        {
            if (File.Exists(output)) File.Delete(output);
        }
    }

    string Invoke(IEnumerable<string> arguments)
    {
        var psi = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {python}.");
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null && !e.Data.StartsWith("optuna ", StringComparison.Ordinal)) log?.WriteLine(e.Data); };
        p.BeginErrorReadLine();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{python} {script} exited with code {p.ExitCode} (is python3-optuna installed? apt-get install python3-optuna). {stdout}".Trim());
        return stdout;
    }
}
