using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MLNetLlm.AutoML;

namespace MLNetLlm.Benchmarks.AutoML;

/// <summary>
/// Runs Optuna's samplers beside our tuners: calls the committed script <c>bench/tuners/optuna_bench.py</c> with
/// Debian's Python (python3-optuna 3.1; benchmark only) and reads its JSON. The script evaluates each function at a few
/// fixed points; those values are checked against <see cref="BenchmarkFunction"/> so both sides surely optimise the
/// same function.
/// </summary>
internal static class OptunaRunner
{
    /// <summary>Benchmark names of Optuna's samplers, and the script's names for them.</summary>
    public static IReadOnlyDictionary<string, string> Samplers { get; } = new Dictionary<string, string>
    {
        ["optuna-random"] = "random", ["tpe"] = "tpe", ["cmaes"] = "cmaes",
    };

    /// <summary>The script: <paramref name="explicitPath"/>, else bench/tuners/optuna_bench.py in the current folder or above it.</summary>
    public static string FindScript(string? explicitPath)
    {
        if (explicitPath is not null)
            return File.Exists(explicitPath) ? explicitPath : throw new FileNotFoundException($"--optuna-script: no file '{explicitPath}'.");
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string p = Path.Combine(dir.FullName, "bench", "tuners", "optuna_bench.py");
                if (File.Exists(p)) return p;
            }
        throw new FileNotFoundException("bench/tuners/optuna_bench.py not found above the current folder; pass --optuna-script.");
    }

    /// <summary>Regrets per function key, sampler name, seed and checkpoint.</summary>
    public static Dictionary<string, Dictionary<string, double[][]>> Run(string python, string script, IReadOnlyList<BenchmarkFunction> functions,
        IReadOnlyList<string> samplers, int seeds, int firstSeed, IReadOnlyList<int> checkpoints, TextWriter? log)
    {
        string output = Path.Combine(Path.GetTempPath(), $"optuna-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        var psi = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            script, "--functions", string.Join(",", functions.Select(f => f.Key)), "--samplers", string.Join(",", samplers.Select(s => Samplers[s])),
            "--seeds", seeds.ToString(CultureInfo.InvariantCulture), "--first-seed", firstSeed.ToString(CultureInfo.InvariantCulture),
            "--budget", checkpoints[^1].ToString(CultureInfo.InvariantCulture), "--checkpoints", string.Join(",", checkpoints), "--out", output,
        }) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {python}.");
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) log?.WriteLine(e.Data); };
            p.BeginErrorReadLine();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"{python} {script} exited with code {p.ExitCode} (is python3-optuna installed? apt-get install python3-optuna). {stdout}".Trim());
            using var doc = JsonDocument.Parse(File.ReadAllText(output));
            var result = new Dictionary<string, Dictionary<string, double[][]>>();
            var fns = doc.RootElement.GetProperty("functions");
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
                result[f.Key] = samplers.ToDictionary(s => s, s => entry.GetProperty("samplers").GetProperty(Samplers[s]).EnumerateArray()
                    .Select(run => run.EnumerateArray().Select(v => v.GetDouble() - f.Minimum).ToArray()).ToArray());
                log?.WriteLine($"{f.Name} Optuna: {string.Join(", ", samplers.Select(s => $"{s} CPU {entry.GetProperty("seconds").GetProperty(Samplers[s]).GetDouble():F1} s"))}");
            }
            return result;
        }
        finally
        {
            if (File.Exists(output)) File.Delete(output);
        }
    }
}
