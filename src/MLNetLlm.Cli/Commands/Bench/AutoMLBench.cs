using System.CommandLine;
using System.Globalization;
using MLNetLlm.Benchmarks.AutoML;

namespace MLNetLlm.Cli.Commands.Bench;

/// <summary>
/// <c>mlnet-llm bench tuners</c> (<see cref="TunerBenchmark"/>: simple regret of each tuner on standard test functions)
/// and <c>mlnet-llm bench automl</c> (<see cref="SpamBenchmark"/>: a timed AutoML search on SpamAssassin).
/// </summary>
internal static class AutoMLBench
{
    public static Command Tuners(CliContext context)
    {
        var functions = new Option<string>("--functions") { Description = $"Test functions, or the groups screening, heldout, all (default all: {string.Join(", ", BenchmarkFunction.Names)}).", DefaultValueFactory = _ => "all" };
        var tuners = new Option<string>("--tuners") { Description = $"Tuners (default all: {string.Join(", ", TunerBenchmark.TunerNames)}; optuna-random, tpe and cmaes run through bench/tuners/optuna_bench.py).", DefaultValueFactory = _ => string.Join(",", TunerBenchmark.TunerNames) };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per tuner and function (default 30).", DefaultValueFactory = _ => 30 };
        var firstSeed = new Option<int>("--first-seed") { Description = "The first seed (default 0: seeds 0..n-1); e.g. 100 for a disjoint check set.", DefaultValueFactory = _ => 0 };
        var budgets = new Option<string>("--budgets") { Description = "Evaluation budgets (default 20,50).", DefaultValueFactory = _ => "20,50" };
        var parallel = new Option<int>("--parallel") { Description = "Runs at once (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var perSeed = new Option<bool>("--per-seed") { Description = "Also list every seed's regret under the table." };
        var python = new Option<string>("--python") { Description = "Python with python3-optuna for Optuna's samplers (default /usr/bin/python3, Debian's).", DefaultValueFactory = _ => "/usr/bin/python3" };
        var script = new Option<string?>("--optuna-script") { Description = "The Optuna script (default: bench/tuners/optuna_bench.py above the current folder)." };
        var cachePath = new Option<string?>("--optuna-cache") { Description = "File of Optuna results reused between runs, keyed by function, sampler, seed, budget, Optuna version and script (default: artifacts/bench/optuna-cache.json in the clone)." };
        var noCache = new Option<bool>("--no-optuna-cache") { Description = "Run every Optuna sampler afresh; the cache is neither read nor written." };
        var command = new Command("tuners", "Median simple regret (IQR) of our tuners and Optuna's on standard test functions, screening and held-out halves, Mann-Whitney U against TPE.") { functions, tuners, seeds, firstSeed, budgets, parallel, perSeed, python, script, cachePath, noCache };
        command.SetAction(p => context.Guard(() =>
        {
            var b = p.GetValue(budgets)!.Split(',').Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out int v) && v > 0
                ? v : throw new CliException($"--budgets takes positive numbers separated by commas, not '{p.GetValue(budgets)}'.")).ToArray();
            var fns = p.GetValue(functions)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var f in BenchmarkFunction.Expand(fns))
            {
                try { BenchmarkFunction.FromName(f); }
                catch (ArgumentException e) { throw new CliException("--functions: " + e.Message); }
            }
            var names = p.GetValue(tuners)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var t in names)
                if (!TunerBenchmark.TunerNames.Contains(t)) throw new CliException($"--tuners: unknown tuner '{t}' (known: {string.Join(", ", TunerBenchmark.TunerNames)}).");
            var started = DateTime.UtcNow;
            string load = TorchBench.Load();
            string table;
            try
            {
                table = TunerBenchmark.Run(fns, names, p.GetValue(seeds), b, p.GetValue(parallel), context.Out, p.GetValue(firstSeed), p.GetValue(perSeed),
                    p.GetValue(python)!, p.GetValue(script), optunaCache: !p.GetValue(noCache), optunaCachePath: p.GetValue(cachePath));
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidOperationException or InvalidDataException or System.ComponentModel.Win32Exception)
            {
                throw new CliException(e.Message);
            }
            context.Out.WriteLine();
            context.Out.WriteLine($"Simple regret over {p.GetValue(seeds)} seeds (from seed {p.GetValue(firstSeed)}); started {load}, ended {TorchBench.Load()}; {(DateTime.UtcNow - started).TotalMinutes:F1} min");
            context.Out.WriteLine(table);
            return 0;
        }));
        return command;
    }

    public static Command Trees(CliContext context)
    {
        var data = new Option<string>("--data") { Description = "Folder with train.csv (or sample-train.csv); default data/spam/full.", DefaultValueFactory = _ => "data/spam/full" };
        var features = new Option<string>("--features") { Description = "Feature variants: n-gram cap per length ('max': none), optionally '+selK' for the trees' feature selection to K slots (default 2000,20000,max,max+sel4000).", DefaultValueFactory = _ => "2000,20000,max,max+sel4000" };
        var trainers = new Option<string>("--trainers") { Description = "lightgbm and/or fasttree (default both).", DefaultValueFactory = _ => "lightgbm,fasttree" };
        var noCancel = new Option<bool>("--no-cancel") { Description = "Skip the fit cancelled half-way through its data preparation." };
        var limit = new Option<double>("--limit") { Description = "Seconds after which each fit is cancelled (default 150, the per-trial limit of the 10-minute search).", DefaultValueFactory = _ => 150 };
        var command = new Command("trees", "Where a LightGBM/FastTree trial's time goes on SpamAssassin n-gram features, and which phase ignores cancellation.") { data, features, trainers, noCancel, limit };
        command.SetAction(p => context.Guard(() =>
        {
            string dir = p.GetValue(data)!;
            string train = File.Exists(Path.Combine(dir, "train.csv")) ? Path.Combine(dir, "train.csv") : Path.Combine(dir, "sample-train.csv");
            TreeTrainerProbe.Variant[] variants;
            try { variants = p.GetValue(features)!.Split(',').Select(TreeTrainerProbe.Variant.Parse).ToArray(); }
            catch (FormatException e) { throw new CliException("--features: " + e.Message); }
            string load = TorchBench.Load();
            string table = TreeTrainerProbe.Run(train, variants, p.GetValue(trainers)!.Split(','), !p.GetValue(noCancel), context.Out, TimeSpan.FromSeconds(p.GetValue(limit)));
            context.Out.WriteLine();
            context.Out.WriteLine($"{train}; started {load}; ended {TorchBench.Load()}");
            context.Out.WriteLine(table);
            return 0;
        }));
        return command;
    }

    public static Command Spam(CliContext context)
    {
        var data = new Option<string>("--data") { Description = "Folder with train.csv/test.csv (or the shipped sample-train.csv/sample-test.csv); default data/spam/full.", DefaultValueFactory = _ => "data/spam/full" };
        var minutes = new Option<double>("--minutes") { Description = "Search budget in minutes (default 10).", DefaultValueFactory = _ => 10 };
        var parallel = new Option<int>("--parallel") { Description = "Trials at once (default 2).", DefaultValueFactory = _ => 2 };
        var maxTrials = new Option<int?>("--max-trials") { Description = "Stop after this many trials." };
        var linearOnly = new Option<bool>("--linear-only") { Description = "Search SDCA only (no tree trainers)." };
        var cvTop = new Option<int>("--cv-top") { Description = $"Holdout leaders re-evaluated by cross-validation for the final pick (default {SpamBenchmark.SelectionTop}; the baseline configuration always is).", DefaultValueFactory = _ => SpamBenchmark.SelectionTop };
        var cvFolds = new Option<int>("--cv-folds") { Description = $"Folds of that cross-validation (default {SpamBenchmark.SelectionFolds}).", DefaultValueFactory = _ => SpamBenchmark.SelectionFolds };
        var cvShare = new Option<double>("--cv-share") { Description = $"Share of the budget kept for it (default {SpamBenchmark.SelectionBudgetFraction.ToString(CultureInfo.InvariantCulture)}).", DefaultValueFactory = _ => SpamBenchmark.SelectionBudgetFraction };
        var command = new Command("automl", "A timed AutoML search over cleaning, featurizer and trainers on SpamAssassin.") { data, minutes, parallel, maxTrials, linearOnly, cvTop, cvFolds, cvShare };
        command.SetAction(p => context.Guard(() =>
        {
            string dir = p.GetValue(data)!;
            string Pick(string full, string sample) => File.Exists(Path.Combine(dir, full)) ? Path.Combine(dir, full) : Path.Combine(dir, sample);
            string train = Pick("train.csv", "sample-train.csv"), test = Pick("test.csv", "sample-test.csv");
            string load = TorchBench.Load();
            var r = SpamBenchmark.RunAsync(train, test, p.GetValue(minutes) * 60, p.GetValue(maxTrials), p.GetValue(parallel),
                linearOnly: p.GetValue(linearOnly), log: context.Out, selectionTop: p.GetValue(cvTop), selectionFolds: p.GetValue(cvFolds),
                selectionBudgetFraction: p.GetValue(cvShare)).GetAwaiter().GetResult();
            context.Out.WriteLine();
            context.Out.WriteLine($"{train} / {test}; started {load}");
            context.Out.WriteLine(r.Report);
            return 0;
        }));
        return command;
    }
}
