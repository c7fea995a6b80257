using MLNetLlm.Numerics;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Tuners;
using MLNetLlm.AutoML;

namespace MLNetLlm.Benchmarks.AutoML;

/// <summary>
/// Runs tuners on <see cref="BenchmarkFunction"/>s for many seeds and reports the median simple regret (best value
/// found minus the global minimum) with its interquartile range after each budget, per half of the suite (screening,
/// held out). Ours: random, grid, GP-EI, SMAC, CFO; Optuna's random, TPE and CMA-ES (defaults) run side by side through
/// <c>bench/tuners/optuna_bench.py</c> (Debian's python3-optuna). With TPE in the run, each of our tuners also gets
/// its ratio of medians to TPE, a two-sided Mann–Whitney U p-value per function and budget, and the geometric mean of
/// the ratios per half. Random, GP-EI, SMAC, CFO and Optuna's samplers are run once to the largest budget and read at
/// every budget (they do not know the budget); the grid is built per budget with step = max(2, ⌊budget^(1/d)⌋) points
/// per coordinate, visited in a seeded random order when larger than the budget.
/// </summary>
public static partial class TunerBenchmark
{
    /// <summary>Our tuners the benchmark knows.</summary>
    public static IReadOnlyList<string> OurTuners { get; } = ["random", "grid", "gp", "smac", "cfo"];

    /// <summary>Every tuner name the benchmark knows: ours, then Optuna's (optuna-random, tpe, cmaes).</summary>
    public static IReadOnlyList<string> TunerNames { get; } = [.. OurTuners, .. OptunaRunner.Samplers.Keys];

    /// <summary>Ratios to TPE below this regret are taken at this floor (a run that hit the minimum exactly).</summary>
    const double RegretFloor = 1e-12;

    /// <summary>Runs the benchmark and returns a Markdown report; progress lines go to <paramref name="log"/>.</summary>
    /// <param name="functions">Function names (see <see cref="BenchmarkFunction.Names"/>; "screening", "heldout", "all" expand).</param>
    /// <param name="tuners">Tuner names (see <see cref="TunerNames"/>).</param>
    /// <param name="seeds">Seeds per function and tuner (seeds firstSeed..firstSeed+n-1).</param>
    /// <param name="budgets">Evaluation budgets to report (ascending).</param>
    /// <param name="parallelism">Runs in parallel.</param>
    /// <param name="log">Where progress goes (may be null).</param>
    /// <param name="firstSeed">The first seed (default 0); a disjoint seed set checks that a tuner is not tuned to seeds 0..n-1.</param>
    /// <param name="perSeed">Also list every seed's regret (in seed order) under the table.</param>
    /// <param name="python">The Python that runs Optuna (default /usr/bin/python3, Debian's).</param>
    /// <param name="optunaScript">The Optuna script (default: bench/tuners/optuna_bench.py above the current folder).</param>
    /// <param name="optunaCache">Whether Optuna's runs are reused from (and added to) a cache file (<see cref="OptunaCache"/>).</param>
    /// <param name="optunaCachePath">The cache file (default: artifacts/bench/optuna-cache.json in the clone that holds the script).</param>
    public static string Run(IReadOnlyList<string> functions, IReadOnlyList<string> tuners, int seeds, IReadOnlyList<int> budgets,
        int parallelism, TextWriter? log = null, int firstSeed = 0, bool perSeed = false, string python = "/usr/bin/python3", string? optunaScript = null,
        bool optunaCache = false, string? optunaCachePath = null)
    {
        if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "At least one seed.");
        if (firstSeed < 0) throw new ArgumentOutOfRangeException(nameof(firstSeed), firstSeed, "Seeds are not negative.");
        if (budgets.Count == 0 || budgets.Any(b => b < 1)) throw new ArgumentException("Budgets must be positive.", nameof(budgets));
        foreach (var t in tuners)
            if (!TunerNames.Contains(t)) throw new ArgumentException($"Unknown tuner '{t}' (known: {string.Join(", ", TunerNames)}).", nameof(tuners));
        var fns = BenchmarkFunction.Expand(functions).Select(BenchmarkFunction.FromName).Distinct().ToArray();
        var sorted = budgets.Distinct().Order().ToArray();
        var optunaNames = tuners.Where(OptunaRunner.Samplers.ContainsKey).ToArray();

        // regrets[function][tuner][seed][budget]
        var regrets = fns.ToDictionary(f => f, _ => new Dictionary<string, double[][]>());
        if (optunaNames.Length > 0)
        {
            var sw = Stopwatch.StartNew();
            string script = OptunaRunner.FindScript(optunaScript);
            var cache = optunaCache ? OptunaCache.Load(optunaCachePath ?? OptunaRunner.DefaultCachePath(script)) : null;
            var opt = OptunaRunner.Run(new OptunaScript(python, script, log), fns, optunaNames, seeds, firstSeed, sorted, log, cache);
            foreach (var f in fns) foreach (var t in optunaNames) regrets[f][t] = opt[f.Key][t];
            log?.WriteLine($"Optuna: {sw.Elapsed.TotalSeconds:F1} s");
        }
        foreach (var f in fns)
            foreach (var t in tuners.Where(t => !OptunaRunner.Samplers.ContainsKey(t)))
            {
                var sw = Stopwatch.StartNew();
                var bySeed = new double[seeds][];
                Parallel.For(0, seeds, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, s =>
                    bySeed[s] = t == "grid"
                        ? sorted.Select(b => RunOnce(f, t, firstSeed + s, b, [b])[0]).ToArray()
                        : RunOnce(f, t, firstSeed + s, sorted[^1], sorted));
                regrets[f][t] = bySeed;
                log?.WriteLine($"{f.Name} {Label(t)}: {string.Join(", ", sorted.Select((b, i) => $"{b} evals {Fmt(Statistics.Median(bySeed.Select(r => r[i])))}"))} ({sw.Elapsed.TotalSeconds:F1} s)");
            }

        var sb = new StringBuilder();
        foreach (var half in new[] { "screening", "held-out" })
        {
            var part = fns.Where(f => BenchmarkFunction.HalfOf(f.Key) == half).ToArray();
            if (part.Length == 0) continue;
            sb.AppendLine($"**{(half == "screening" ? "Screening" : "Held-out")} half** — median simple regret (interquartile range) over {seeds} seeds:");
            sb.AppendLine();
            sb.AppendLine($"| Function | Evals | {string.Join(" | ", tuners.Select(Label))} |");
            sb.AppendLine($"|---|---:|{string.Concat(tuners.Select(_ => "---:|"))}");
            foreach (var f in part)
                for (int b = 0; b < sorted.Length; b++)
                    sb.AppendLine($"| {f.Name} | {sorted[b]} | {string.Join(" | ", tuners.Select(t => Cell(regrets[f][t].Select(r => r[b]).ToArray())))} |");
            sb.AppendLine();
            if (tuners.Contains("tpe"))
                AppendAgainstTpe(sb, part, tuners.Where(t => t != "tpe").ToArray(), sorted, regrets);
        }
        if (perSeed)
        {
            sb.AppendLine($"| Function | Tuner | Evals | Regret per seed ({firstSeed}..{firstSeed + seeds - 1}) |");
            sb.AppendLine("|---|---|---:|---|");
            foreach (var f in fns)
                foreach (var t in tuners)
                    for (int b = 0; b < sorted.Length; b++)
                        sb.AppendLine($"| {f.Name} | {Label(t)} | {sorted[b]} | {string.Join(" ", regrets[f][t].Select(r => Fmt(r[b])))} |");
        }
        return sb.ToString();
    }

    static void AppendAgainstTpe(StringBuilder sb, BenchmarkFunction[] part, string[] others, int[] budgets, Dictionary<BenchmarkFunction, Dictionary<string, double[][]>> regrets)
    {
        sb.AppendLine("Against TPE: ratio of median regrets (< 1: ahead of TPE) and the two-sided Mann–Whitney U p-value; **bold**: significantly worse than TPE (p < 0.05):");
        sb.AppendLine();
        sb.AppendLine($"| Function | Evals | {string.Join(" | ", others.Select(t => $"{Label(t)}/TPE (p)"))} |");
        sb.AppendLine($"|---|---:|{string.Concat(others.Select(_ => "---:|"))}");
        var logRatios = others.ToDictionary(t => t, _ => budgets.Select(_ => new List<double>()).ToArray());
        var worse = others.ToDictionary(t => t, _ => new int[budgets.Length]);
        foreach (var f in part)
            for (int b = 0; b < budgets.Length; b++)
            {
                var tpe = regrets[f]["tpe"].Select(r => r[b]).ToArray();
                double tpeMedian = Math.Max(Statistics.Median(tpe), RegretFloor);
                var cells = others.Select(t =>
                {
                    var ours = regrets[f][t].Select(r => r[b]).ToArray();
                    double ratio = Math.Max(Statistics.Median(ours), RegretFloor) / tpeMedian;
                    double p = MannWhitney.TwoSidedP(ours, tpe);
                    logRatios[t][b].Add(Math.Log(ratio));
                    bool isWorse = p < 0.05 && ratio > 1;
                    if (isWorse) worse[t][b]++;
                    string text = $"{Ratio(ratio)} ({P(p)})";
                    return isWorse ? $"**{text}**" : text;
                });
                sb.AppendLine($"| {f.Name} | {budgets[b]} | {string.Join(" | ", cells)} |");
            }
        for (int b = 0; b < budgets.Length; b++)
            sb.AppendLine($"| **geometric mean** | {budgets[b]} | {string.Join(" | ", others.Select(t => $"**{Ratio(Math.Exp(logRatios[t][b].Average()))}** ({worse[t][b]} worse)"))} |");
        sb.AppendLine();
    }

    static string Label(string t) => t switch
    {
        "gp" => "GP-EI", "smac" => "SMAC", "cfo" => "CFO", "optuna-random" => "Optuna random", "tpe" => "TPE", "cmaes" => "CMA-ES",
        _ => char.ToUpperInvariant(t[0]) + t[1..],
    };

    static string Cell(double[] v)
    {
        var s = v.Order().ToArray();
        return $"{Fmt(Statistics.Median(s))} ({Fmt(Quantile(s, 0.25))}–{Fmt(Quantile(s, 0.75))})";
    }

    /// <summary>The linearly interpolated quantile of sorted values (type 7, NumPy's default).</summary>
    internal static double Quantile(double[] sorted, double p)
    {
        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    static string Ratio(double r) => r.ToString(r >= 100 ? "0" : r >= 0.01 ? "0.00" : "0.0e+0", CultureInfo.InvariantCulture) + "×";

    static string P(double p) => p < 1e-4 ? "<1e-4" : p.ToString(p < 0.01 ? "0.0000" : "0.00", CultureInfo.InvariantCulture);

    static string Fmt(double v) => v.ToString(v != 0 && (Math.Abs(v) < 1e-3 || Math.Abs(v) >= 1e5) ? "0.00e+0" : "0.0000", CultureInfo.InvariantCulture);

    /// <summary>Simple regret of one seeded run of one of our tuners after each of <paramref name="checkpoints"/> evaluations.</summary>
    internal static double[] RunOnce(BenchmarkFunction f, string tuner, int seed, int budget, IReadOnlyList<int> checkpoints)
    {
        var space = new SearchSpace();
        for (int i = 0; i < f.Dimension; i++) space[$"x{i:D2}"] = new UniformDoubleOption(f.Lower[i], f.Upper[i]);
        int step = Math.Max(2, (int)Math.Floor(Math.Pow(budget, 1.0 / f.Dimension) + 1e-9));
        ITuner? t = null;
        ScreeningVariant(tuner, space, seed, ref t);
        t ??= tuner switch
        {
            "random" => new RandomSearchTuner(space, seed),
            "grid" => new GridSearchTuner(space, step, shuffleSeed: Math.Pow(step, f.Dimension) > budget ? seed : null),
            "gp" => new GaussianProcessTuner(space, seed),
            "smac" => new SmacTuner(space, seed),
            "cfo" => new CostFrugalTuner(space, seed),
            _ => throw new ArgumentException($"Unknown tuner '{tuner}'."),
        };
        var result = new double[checkpoints.Count];
        double best = double.PositiveInfinity;
        int next = 0;
        for (int i = 1; i <= budget; i++)
        {
            var settings = new TrialSettings { TrialId = i };
            double loss;
            try
            {
                settings.Parameter = t.Propose(settings);
                var x = Enumerable.Range(0, f.Dimension).Select(k => settings.Parameter[$"x{k:D2}"].AsDouble()).ToArray();
                loss = f.Evaluate(x);
            }
            catch (TunerExhaustedException) { loss = double.PositiveInfinity; }
            if (double.IsFinite(loss)) t.Update(new TrialResult { TrialSettings = settings, Metric = loss, Loss = loss });
            best = Math.Min(best, loss);
            while (next < checkpoints.Count && checkpoints[next] == i) result[next++] = best - f.Minimum;
        }
        return result;
    }

    /// <summary>Where a screening build swaps in a tuner variant (not shipped: without an implementation the call vanishes).</summary>
    static partial void ScreeningVariant(string tuner, SearchSpace space, int seed, ref ITuner? replacement);
}
