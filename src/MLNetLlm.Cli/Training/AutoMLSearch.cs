using System.Diagnostics;
using Microsoft.ML;
using MLNetLlm.AutoML;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using MLNetLlm.AutoML.Tuners;
using MLNetLlm.Cli.CodeGen;
using MLNetLlm.Cli.Progress;
using Trial = MLNetLlm.Cli.Reporting.TrialResult;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// The AutoML side of <c>train</c>: searches <see cref="AutoPipelineFactory"/>'s pipeline with MLNetLlm.AutoML on the
/// training data, scoring every trial on the evaluation data, and returns the best model (fitted on the training data
/// only, so the evaluation metrics stay honest) with every trial for the leaderboard.
/// </summary>
internal sealed class AutoMLSearch(TextWriter output)
{
    readonly TextWriter _out = output;
    readonly object _gate = new();
    Trial? _best;

    /// <summary>
    /// The search's result. <c>Interrupted</c>: an interrupt stopped it before its budget or trial limit.
    /// <c>ModelSource</c>: which model <c>Model</c> is, e.g. "the pipeline of trial 3 refitted on the training rows".
    /// </summary>
    public sealed record Outcome(ITransformer Model, IReadOnlyList<Trial> Trials, TrainingCode Code, string BestPipeline, string StopReason, string Study,
        Evaluation.SearchSummary Summary, bool Interrupted = false, string? ModelSource = null);

    /// <summary>
    /// Searches on <paramref name="train"/>, scoring trials on <paramref name="validation"/>; once <paramref name="cancel"/>
    /// is cancelled (an interrupt) no new trial starts, the running ones finish and the best is returned.
    /// <paramref name="imbalance"/> is the largest ÷ smallest class in the training rows (null for regression): balancing
    /// is searched from <see cref="ClassBalance.SearchedRatio"/> up, unless --balance is given; <paramref name="metricName"/>
    /// is the metric trials are selected by (<see cref="SelectionMetric"/>; null: --metric or the task's default);
    /// <paramref name="smallestClass"/> the smallest class's training rows (undersampling is searched from
    /// <see cref="ClassBalance.UndersampleMinimumRows"/> up).
    /// </summary>
    public Outcome Run(MLContext ml, RunConfig c, ModelSignature signature, IDataView train, IDataView validation, IRunProgress progress, CancellationToken cancel,
        double? imbalance = null, string? metricName = null, int? smallestClass = null)
    {
        int? threads = c.Parallel > 1 ? 1 : null;
        bool ngrams = c.Trainer != "bert";
        string[] searchBalance = ngrams && c.Balance == null ? ClassBalance.Searched(imbalance, smallestClass) : [];
        var pipeline = AutoPipelineFactory.Create(ml, signature, c, threads, searchBalance);
        metricName ??= SelectionMetric.Name(signature.Task, c.Metric);
        var metric = SelectionMetric.Experiment(signature.Task, metricName);
        var experiment = ml.Llm().Auto().CreateExperiment()
            .SetPipeline(pipeline)
            .SetDataset(train, validation)
            .SetMetric(metric)
            .SetSeed(c.Seed)
            .SetParallelism(c.Parallel)
            .SetRefitOnValidationData(false);
        if (ngrams)
        {
            // the classic pipeline is the first trial, and stays the answer unless a trial beats it by more than the noise;
            // the tuner's configurations start on a ninth of the rows and the best third climb to all of them
            experiment.SetBaseline(AutoPipelinePoints.Baseline(pipeline))
                .SetSuccessiveHalving(labelColumnName: signature.Task == TaskKind.Regression ? null : ModelSignature.LabelColumnName);
        }
        if (c.MaxTrials is { } max) experiment.SetMaxTrials(max);
        if (c.TrainTimeSeconds is { } seconds) experiment.SetTrainingTimeInSeconds(seconds);
        // The same tuners as the experiment's SetXxxTuner() (seeded with the run's seed), wrapped so that an interrupt stops proposals.
        Func<SearchSpace, ITuner> tunerFor = (c.Tuner ?? "smac") switch
        {
            "grid" => s => new GridSearchTuner(s),
            "random" => s => new RandomSearchTuner(s, c.Seed),
            "bayesian" => s => new GaussianProcessTuner(s, c.Seed),
            "cfo" => s => new CostFrugalTuner(s, c.Seed),
            _ => s => new SmacTuner(s, c.Seed),
        };
        StoppableTuner? tuner = null;
        experiment.SetTuner(s => tuner = new StoppableTuner(tunerFor(s), cancel));
        string study = c.Study ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(c.Output!)));
        using var storage = OpenStorage(c.ResolvedStorage());
        if (storage != null)
        {
            experiment.SetStorage(storage, study);
            if (StaleTrials.Requeue(storage, study, metric) is { Count: > 0 } stale)
                _out.WriteLine($"Trial(s) {string.Join(", ", stale)} of study '{study}' were left running by a process that is gone: queued again.");
        }

        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        TimeSpan? TimeLeft() => c.TrainTimeSeconds is { } s ? TimeSpan.FromSeconds(s) - clock.Elapsed : null;
        var started = new System.Collections.Concurrent.ConcurrentBag<double>();
        experiment.TrialStarted += (_, settings) => started.Add(settings.Fidelity);
        experiment.TrialStarted += (_, settings) => progress.TrialStarted(settings.TrialId, settings.Fidelity < 1 ? FormattableString.Invariant($"… on {settings.Fidelity:0.###} of the rows") : "…");
        experiment.TrialCompleted += (_, t) =>
        {
            var trial = ToTrial(t, start);
            Trial? best;
            lock (_gate)
            {
                // best so far among full-fidelity trials (lower rungs trained on fewer rows)
                if (trial.Fidelity >= 1 && trial.Metric is { } m && (_best?.Metric is not { } b || (metric.Maximize ? m > b : m < b))) _best = trial;
                best = _best;
            }
            progress.TrialFinished(trial, best, TimeLeft());
        };

        ExperimentResult result;
        try
        {
            result = experiment.RunAsync(CancellationToken.None).GetAwaiter().GetResult(); // an interrupt stops proposals (StoppableTuner), not the running trials
        }
        catch (InvalidOperationException ex) when (tuner?.Stopped == true && ex.Message.StartsWith("No trial ran", StringComparison.Ordinal))
        {
            throw new RunInterruptedException("Interrupted before any trial finished: no model was written." +
                (storage != null ? $" The study is kept; 'mlnet-llm resume -o {c.Output}' continues it." : ""));
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("trial", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"AutoML found no model: {ex.Message}", ex);
        }
        var trials = result.Trials.Select(t => ToTrial(t, start)).ToList();
        var bestTrial = result.BestTrial;
        var code = TrainingCode.AutoML(AutoPipelineFactory.Code(signature, c, threads, searchBalance), bestTrial.TrialSettings.Parameter.ToJson());
        if (AutoPipelineFactory.UsesTorchStages(signature, c))
            code = code with { Usings = [.. code.Usings, "MLNetLlm.AutoML.Torch"], Libraries = [.. code.Libraries, "MLNetLlm.AutoML.Torch"] };
        bool interrupted = tuner?.Stopped == true;
        var rungs = result.Fidelities.ToArray();
        string stopReason = interrupted ? $"interrupted after {trials.Count(t => t.Metric != null)} completed trial(s)" : result.StopReason;
        var summary = new Evaluation.SearchSummary
        {
            SelectedBy = metricName,
            // this run's starts (a trial cut by the budget counts; a resumed study's earlier trials do not)
            TrialsStarted = started.Count,
            TrialsCompleted = result.Trials.Count(t => t.IsSuccess),
            Fidelities = rungs,
            TrialsPerFidelity = rungs.Select(f => started.Count(x => Math.Abs(x - f) < 1e-9)).ToArray(),
            SkippedProposals = result.SkippedProposals,
            DefaultKept = result.Baseline?.BaselineKept,
            Baseline = result.Baseline is { } b ? "Default pipeline rule: " + b.Describe() : null,
            ImbalanceRatio = imbalance,
            Balance = signature.Task == TaskKind.Regression ? null : c.Balance ?? (searchBalance.Length > 0 ? $"searched (none, {string.Join(", ", searchBalance)})" : "none"),
            StopReason = stopReason,
        };
        int id = bestTrial.TrialSettings.TrialId;
        string source = !result.ModelIsRefit ? $"the model trial {id} trained and scored"
            : $"the pipeline of trial {id} refitted on the training{(result.ModelTrainedOnValidation ? " + validation" : "")} rows";
        return new Outcome(bestTrial.Model ?? throw new CliException("AutoML returned no model for the best trial."),
            trials, code, Describe(bestTrial), stopReason, study, summary, interrupted, source);
    }

    static ITrialStorage? OpenStorage(string? storage)
    {
        if (storage == null) return null;
        try
        {
            return RunConfig.IsConnectionString(storage) ? new PostgresTrialStorage(storage) : new SqliteTrialStorage(storage);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new CliException($"Cannot open --storage '{(RunConfig.IsConnectionString(storage) ? "(PostgreSQL connection)" : storage)}': {ex.Message}", ex);
        }
    }

    static string Describe(TrialResult t) => $"{t.Pipeline ?? "?"} {t.TrialSettings.Parameter.ToJson()}";

    static Trial ToTrial(TrialResult t, DateTimeOffset start)
    {
        double? metric = t.IsSuccess && double.IsFinite(t.Metric) ? t.Metric : null;
        double finished = (t.TrialSettings.StartedAtUtc + t.Duration - start).TotalSeconds;
        string status = t.Status.ToString().ToLowerInvariant();
        if (t.Error is { Length: > 0 } error && !t.IsSuccess) status += ": " + error.Split('\n')[0];
        string pipeline = (t.Pipeline ?? "?") + (t.Fidelity < 1 ? FormattableString.Invariant($" [{t.Fidelity:0.###} of the rows]") : "");
        return new Trial(t.TrialSettings.TrialId, pipeline, metric, t.Duration.TotalSeconds, status, finished, t.TrialSettings.Parameter.ToJson(), t.Fidelity);
    }
}
