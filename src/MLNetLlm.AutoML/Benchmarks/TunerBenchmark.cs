using MLNetLlm.Numerics;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Benchmarks;

/// <summary>
/// Runs tuners on <see cref="BenchmarkFunction"/>s for many seeds and reports the median simple regret (best value
/// found minus the global minimum) after each budget. Random, GP-EI and SMAC are run once to the largest budget and
/// read at every budget (they do not know the budget); the grid is built per budget with
/// step = max(2, ⌊budget^(1/d)⌋) points per coordinate, visited in a seeded random order when larger than the budget.
/// </summary>
public static class TunerBenchmark
{
    /// <summary>The tuner names the benchmark knows.</summary>
    public static IReadOnlyList<string> TunerNames { get; } = ["random", "grid", "gp", "smac", "cfo"];

    /// <summary>Runs the benchmark and returns a Markdown report; progress lines go to <paramref name="log"/>.</summary>
    /// <param name="functions">Function names (branin, hartmann6, levy10).</param>
    /// <param name="tuners">Tuner names (see <see cref="TunerNames"/>).</param>
    /// <param name="seeds">Seeds per function and tuner (seeds firstSeed..firstSeed+n-1).</param>
    /// <param name="budgets">Evaluation budgets to report (ascending).</param>
    /// <param name="parallelism">Runs in parallel.</param>
    /// <param name="log">Where progress goes (may be null).</param>
    /// <param name="firstSeed">The first seed (default 0); a disjoint seed set checks that a tuner is not tuned to seeds 0..n-1.</param>
    /// <param name="perSeed">Also list every seed's regret (in seed order) under the table: shows how the seeds spread
    /// around the median (a median between two clusters of seeds moves a lot with a small change).</param>
    public static string Run(IReadOnlyList<string> functions, IReadOnlyList<string> tuners, int seeds, IReadOnlyList<int> budgets,
        int parallelism, TextWriter? log = null, int firstSeed = 0, bool perSeed = false)
    {
        if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "At least one seed.");
        if (firstSeed < 0) throw new ArgumentOutOfRangeException(nameof(firstSeed), firstSeed, "Seeds are not negative.");
        if (budgets.Count == 0 || budgets.Any(b => b < 1)) throw new ArgumentException("Budgets must be positive.", nameof(budgets));
        foreach (var t in tuners)
            if (!TunerNames.Contains(t)) throw new ArgumentException($"Unknown tuner '{t}' (known: {string.Join(", ", TunerNames)}).", nameof(tuners));
        var fns = functions.Select(BenchmarkFunction.FromName).ToArray();
        var sorted = budgets.Order().ToArray();
        var sb = new StringBuilder();
        var seedRows = new StringBuilder();
        sb.AppendLine($"| Function | Evals | {string.Join(" | ", tuners.Select(Label))} |");
        sb.AppendLine($"|---|---:|{string.Concat(tuners.Select(_ => "---:|"))}");
        foreach (var f in fns)
        {
            var regrets = new Dictionary<(string, int), double>();
            foreach (var t in tuners)
            {
                var sw = Stopwatch.StartNew();
                var bySeed = new double[seeds][];
                Parallel.For(0, seeds, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, s =>
                    bySeed[s] = t == "grid"
                        ? sorted.Select(b => RunOnce(f, t, firstSeed + s, b, [b])[0]).ToArray()
                        : RunOnce(f, t, firstSeed + s, sorted[^1], sorted));
                for (int b = 0; b < sorted.Length; b++)
                {
                    regrets[(t, sorted[b])] = Statistics.Median(bySeed.Select(r => r[b]));
                    seedRows.AppendLine($"| {f.Name} | {Label(t)} | {sorted[b]} | {string.Join(" ", bySeed.Select(r => Fmt(r[b])))} |");
                }
                log?.WriteLine($"{f.Name} {Label(t)}: {string.Join(", ", sorted.Select(b => $"{b} evals {Fmt(regrets[(t, b)])}"))} ({sw.Elapsed.TotalSeconds:F1} s)");
            }
            foreach (var b in sorted)
                sb.AppendLine($"| {f.Name} | {b} | {string.Join(" | ", tuners.Select(t => Fmt(regrets[(t, b)])))} |");
        }
        if (perSeed)
        {
            sb.AppendLine();
            sb.AppendLine($"| Function | Tuner | Evals | Regret per seed ({firstSeed}..{firstSeed + seeds - 1}) |");
            sb.AppendLine("|---|---|---:|---|");
            sb.Append(seedRows);
        }
        return sb.ToString();
    }

    static string Label(string t) => t switch { "gp" => "GP-EI", "smac" => "SMAC", "cfo" => "CFO", _ => char.ToUpperInvariant(t[0]) + t[1..] };

    static string Fmt(double v) => v.ToString(v != 0 && Math.Abs(v) < 1e-3 ? "0.00e+0" : "0.0000", CultureInfo.InvariantCulture);

    /// <summary>Simple regret of one seeded run after each of <paramref name="checkpoints"/> evaluations.</summary>
    internal static double[] RunOnce(BenchmarkFunction f, string tuner, int seed, int budget, IReadOnlyList<int> checkpoints)
    {
        var space = new SearchSpace();
        for (int i = 0; i < f.Dimension; i++) space[$"x{i:D2}"] = new UniformDoubleOption(f.Lower[i], f.Upper[i]);
        int step = Math.Max(2, (int)Math.Floor(Math.Pow(budget, 1.0 / f.Dimension) + 1e-9));
        ITuner t = tuner switch
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
}
