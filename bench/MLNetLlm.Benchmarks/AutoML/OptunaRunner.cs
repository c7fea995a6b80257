namespace MLNetLlm.Benchmarks.AutoML;

/// <summary>
/// Runs Optuna's samplers beside our tuners through an <see cref="IOptunaBackend"/> (the committed script
/// <c>bench/tuners/optuna_bench.py</c>: <see cref="OptunaScript"/>), reusing the runs an <see cref="OptunaCache"/>
/// already holds and adding the new ones to it.
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

    /// <summary>The default cache: artifacts/bench/optuna-cache.json in the clone that holds <paramref name="script"/>
    /// (bench/tuners/optuna_bench.py), else beside the script.</summary>
    public static string DefaultCachePath(string script)
    {
        var tuners = Path.GetDirectoryName(Path.GetFullPath(script))!;
        var root = Directory.GetParent(tuners)?.Parent;
        return root is not null && Path.GetFileName(tuners) == "tuners" && Path.GetFileName(Path.GetDirectoryName(tuners)) == "bench"
            ? Path.Combine(root.FullName, "artifacts", "bench", "optuna-cache.json")
            : Path.Combine(tuners, "optuna-cache.json");
    }

    /// <summary>Regrets per function key, sampler name (the benchmark's), seed and checkpoint. Runs in
    /// <paramref name="cache"/> (when given) are reused; the others are run and added to it, and it is saved after
    /// every sampler's batch, so a run that is stopped keeps what it finished.</summary>
    public static Dictionary<string, Dictionary<string, double[][]>> Run(IOptunaBackend backend, IReadOnlyList<BenchmarkFunction> functions,
        IReadOnlyList<string> samplers, int seeds, int firstSeed, IReadOnlyList<int> checkpoints, TextWriter? log, OptunaCache? cache)
    {
        int budget = checkpoints[^1];
        var seedList = Enumerable.Range(firstSeed, seeds).ToArray();
        // best value after each trial, per (function, sampler, seed)
        var best = new Dictionary<(string Function, string Sampler, int Seed), double[]>();
        string? version = null;
        OptunaCache.Key KeyOf(BenchmarkFunction f, string sampler, int seed) =>
            new(f.Key, Samplers[sampler], seed, budget, version ??= backend.OptunaVersion, backend.ScriptHash);
        int reused = 0;
        foreach (var s in samplers)
        {
            // functions missing some seeds, grouped by the seeds they miss (usually: every function, every seed)
            var missing = new Dictionary<string, (List<BenchmarkFunction> Functions, int[] Seeds)>();
            foreach (var f in functions)
            {
                var need = new List<int>();
                foreach (int seed in seedList)
                {
                    if (cache is not null && cache.TryGet(KeyOf(f, s, seed), f, out var cached)) { best[(f.Key, s, seed)] = cached; reused++; }
                    else need.Add(seed);
                }
                if (need.Count == 0) continue;
                string group = string.Join(",", need);
                if (!missing.TryGetValue(group, out var g)) missing[group] = g = ([], need.ToArray());
                g.Functions.Add(f);
            }
            foreach (var (fns, need) in missing.Values)
            {
                var runs = backend.Run(fns, Samplers[s], need, budget);
                foreach (var f in fns)
                    foreach (int seed in need)
                    {
                        var run = runs.TryGetValue((f.Key, seed), out var r) && OptunaCache.Plausible(r, budget, f)
                            ? r : throw new InvalidOperationException($"{f.Name}: Optuna's {Samplers[s]} run for seed {seed} is missing or not a run of {budget} trials.");
                        best[(f.Key, s, seed)] = run;
                        cache?.Put(KeyOf(f, s, seed), run);
                    }
                cache?.Save();
            }
        }
        if (cache is not null)
            log?.WriteLine($"Optuna cache {cache.FilePath}: {reused} of {functions.Count * samplers.Count * seeds} runs reused"
                + (cache.Malformed + cache.Rejected > 0 ? $", {cache.Malformed + cache.Rejected} unusable entries rerun" : ""));
        return functions.ToDictionary(f => f.Key, f => samplers.ToDictionary(s => s, s => seedList
            .Select(seed => checkpoints.Select(c => best[(f.Key, s, seed)][c - 1] - f.Minimum).ToArray()).ToArray()));
    }
}
