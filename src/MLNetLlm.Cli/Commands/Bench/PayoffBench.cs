using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MLNetLlm.Cli.Evaluation;
using MLNetLlm.Cli.Training;

namespace MLNetLlm.Cli.Commands.Bench;

/// <summary>
/// <c>mlnet-llm bench payoff</c>: does AutoML pay off? For each data set (a folder with train.csv and test.csv, columns
/// Label and Text), the CLI's default pipeline (<c>train</c> without a budget) against a timed AutoML search (<c>train
/// --train-time</c>), both through the real <c>train</c> command code, on the same training rows, the same stratified
/// validation split and the same test file, read once by each final model. Reports test micro/macro (binary: F1 and
/// accuracy) side by side, trials started and completed, the fidelities used, and whether the default was kept.
/// </summary>
internal static class PayoffBench
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create(CliContext context)
    {
        var datasets = new Option<string>("--datasets")
        {
            Description = "name=folder pairs, comma-separated (default spam=data/spam/full,fortunes=data/fortunes,wordnet=data/wordnet; folders from scripts/text_datasets.py).",
            DefaultValueFactory = _ => "spam=data/spam/full,fortunes=data/fortunes,wordnet=data/wordnet",
        };
        var minutes = new Option<double>("--minutes") { Description = "AutoML search budget per data set (default 10).", DefaultValueFactory = _ => 10 };
        var parallel = new Option<int>("--parallel") { Description = "AutoML trials at once (default 2).", DefaultValueFactory = _ => 2 };
        var output = new Option<string>("--output") { Description = "Where the runs' output folders go (default out/bench-payoff).", DefaultValueFactory = _ => "out/bench-payoff" };
        var skipDefault = new Option<bool>("--skip-default") { Description = "Only the AutoML runs." };
        var command = new Command("payoff", "The CLI's default pipeline vs a timed AutoML search: honest test metrics side by side, trials, fidelities.")
            { datasets, minutes, parallel, output, skipDefault };
        command.SetAction(p => context.Guard(() =>
        {
            var table = new StringBuilder();
            table.AppendLine("| Data set | Classes (largest:smallest) | Run | Test micro-acc / F1 | Test macro-acc / acc | Validation (selects) | Trials started / completed | Fidelities (trials) | Default kept | Wall s | Load 1-min start→end |");
            table.AppendLine("|---|---|---|---:|---:|---:|---|---|---|---:|---|");
            foreach (var spec in p.GetValue(datasets)!.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = spec.Split('=', 2);
                if (parts.Length != 2) throw new CliException($"--datasets takes name=folder pairs, not '{spec}'.");
                string name = parts[0], dir = parts[1];
                string train = Path.Combine(dir, "train.csv"), test = Path.Combine(dir, "test.csv");
                if (!File.Exists(train) || !File.Exists(test)) throw new CliException($"--datasets: '{dir}' needs train.csv and test.csv (scripts/text_datasets.py, scripts/fetch-spamassassin.sh).");
                foreach (bool auto in p.GetValue(skipDefault) ? new[] { true } : [false, true])
                {
                    var config = new RunConfig
                    {
                        Dataset = train, TestDataset = test, Output = Path.Combine(p.GetValue(output)!, name, auto ? "automl" : "default"),
                        TrainTimeSeconds = auto ? p.GetValue(minutes) * 60 : null, Parallel = auto ? p.GetValue(parallel) : 1,
                    };
                    if (Directory.Exists(config.Output)) Directory.Delete(config.Output, recursive: true);
                    string loadBefore = Load1();
                    context.Out.WriteLine($"== {name}: {(auto ? $"AutoML {p.GetValue(minutes)} min, {p.GetValue(parallel)} at once" : "default pipeline")}; {TorchBench.Load()}");
                    var clock = Stopwatch.StartNew();
                    var metrics = new TrainingRun(config, context.Out).Execute();
                    double wall = clock.Elapsed.TotalSeconds;
                    table.AppendLine(Row(name, auto, metrics, wall, loadBefore, Load1()));
                    context.Out.WriteLine(table.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
                }
            }
            context.Out.WriteLine();
            context.Out.WriteLine($"mlnet-llm bench payoff, {Environment.ProcessorCount} logical CPUs; ended {TorchBench.Load()}");
            context.Out.WriteLine(table.ToString());
            return 0;
        }));
        return command;
    }

    static string Row(string name, bool auto, MetricsReport test, double wall, string loadBefore, string loadAfter)
    {
        var v = test.Validation!;
        var s = test.Search!;
        bool multi = test.Task == "multiclass";
        string F(string key, MetricsReport m) => m.Metrics.TryGetValue(key, out var x) ? x.ToString("0.0000", Inv) : "";
        string classes = s.ImbalanceRatio is { } r ? string.Create(Inv, $"{test.Classes?.Count} ({r:0.#}:1)") : "";
        string fidelities = string.Join(", ", s.Fidelities.Select((f, i) => string.Create(Inv, $"{f:0.###}: {(i < s.TrialsPerFidelity.Count ? s.TrialsPerFidelity[i] : 0)}")));
        return string.Create(Inv,
            $"| {name} | {classes} | {(auto ? "AutoML" : "default")} | {F(multi ? "microAccuracy" : "f1", test)} | {F(multi ? "macroAccuracy" : "accuracy", test)} | " +
            $"{test.PrimaryMetric} {F(test.PrimaryMetric, v)} | {s.TrialsStarted} / {s.TrialsCompleted} | {fidelities}{(s.SkippedProposals > 0 ? $"; {s.SkippedProposals} skipped" : "")} | " +
            $"{(s.DefaultKept is { } k ? (k ? "yes" : "no") : "")} | {wall:F0} | {loadBefore}→{loadAfter} |");
    }

    static string Load1()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
    }
}
