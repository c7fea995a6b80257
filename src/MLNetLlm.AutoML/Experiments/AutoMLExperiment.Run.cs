using System.Diagnostics;
using Microsoft.ML;
using MLNetLlm.AutoML.Pruners;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.AutoML.Tuners;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Experiments;

// The search itself: RunAsync and the state one run shares (Run).
public sealed partial class AutoMLExperiment
{
    /// <summary>
    /// Runs the search, then returns the best trial with its model (its own, or refitted: <see cref="ExperimentResult.ModelIsRefit"/>).
    /// Cancelled after a trial completed, it returns what finished (<see cref="ExperimentResult.StopReason"/> "cancelled").
    /// </summary>
    /// <exception cref="InvalidOperationException">When no trial completed successfully (the message gives the first errors).</exception>
    /// <exception cref="OperationCanceledException">When cancelled before any trial completed.</exception>
    public async Task<ExperimentResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var pipeline = _pipeline ?? throw new InvalidOperationException("No pipeline: call SetPipeline first.");
        var metric = _metric ?? throw new InvalidOperationException("No metric: call SetBinaryClassificationMetric, SetMulticlassClassificationMetric, SetRegressionMetric or SetMetric.");
        if (_train is null && _all is null) throw new InvalidOperationException("No data: call SetDataset first.");
        if (_timeBudgetSeconds is null && _maxTrials is null)
            throw new InvalidOperationException("No stopping rule: call SetTrainingTimeInSeconds and/or SetMaxTrials.");
        if (pipeline.StageCount == 0) throw new InvalidOperationException("The pipeline has no stages.");
        if (_selectionTop > 0 && _train is null && _folds >= 2)
            throw new InvalidOperationException("SetCrossValidatedSelection re-evaluates holdout trials; this experiment already cross-validates every trial (SetDataset with folds).");
        var space = pipeline.SearchSpace;
        var tuner = _tunerFactory(space);
        if (_baseline is not null) space.MappingToFeatureSpace(_baseline); // throws for a point outside the space

        var clock = Stopwatch.StartNew();
        var storage = _storage ?? new InMemoryTrialStorage();
        bool select = _selectionTop > 0;
        // the shipped storages persist the selection; another ITrialStorage gets it kept in memory for this run
        var selectionStorage = select ? storage as ISelectionStorage ?? new InMemoryTrialStorage() : null;
        try
        {
            var study = await storage.OpenStudyAsync(_studyName, metric.Name, metric.Maximize, cancellationToken).ConfigureAwait(false);
            var run = new Run(this, pipeline, metric, tuner, storage, selectionStorage, study, PrepareData()) { UserCancellation = cancellationToken };
            double searchSeconds = _timeBudgetSeconds is double b0 ? b0 * (select ? 1 - _selectionBudgetFraction : 1) : double.PositiveInfinity;
            run.SecondsLeft = () => _timeBudgetSeconds is null ? null : searchSeconds - clock.Elapsed.TotalSeconds;
            // a study whose selection has started searches no further: a resumed run goes straight to its unfinished folds
            var started = selectionStorage is null ? null : await selectionStorage.GetSelectionAsync(study.Id, cancellationToken).ConfigureAwait(false);
            if (started is not null) StudyCheck.EnsureSameSelection(study.Name, started, _selectionFolds, _selectionTop);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (started is null)
            {
                await run.EnqueueStartingPointsAsync(cancellationToken).ConfigureAwait(false);
                if (_timeBudgetSeconds is double budget) stop.CancelAfter(TimeSpan.FromSeconds(budget * (select ? 1 - _selectionBudgetFraction : 1)));
                await run.SyncTunerAsync(CancellationToken.None).ConfigureAwait(false);
                var workers = Enumerable.Range(0, _parallelism).Select(i => Task.Run(() => run.WorkerAsync(i, stop.Token))).ToArray();
                await Task.WhenAll(workers).ConfigureAwait(false);
            }

            // this run's results carry their fold metrics; earlier runs' come from the storage
            var trials = (await storage.GetTrialsAsync(study.Id, CancellationToken.None).ConfigureAwait(false))
                .Select(t => t.Status == TrialStatus.Completed && run.Results.TryGetValue(t.Number, out var r) ? r : t.ToResult()).ToArray();
            // only full-fidelity trials compete when there are some (successive halving's lower rungs saw fewer rows)
            var best = trials.Where(t => t.IsSuccess).OrderByDescending(t => t.Fidelity).ThenBy(t => t.Loss).ThenBy(t => t.TrialSettings.TrialId).FirstOrDefault();
            string reason = cancellationToken.IsCancellationRequested ? "cancelled"
                : started is not null || run.SelectionStarted ? "the cross-validated selection had started (the search is over for this study)"
                : stop.IsCancellationRequested ? (select ? $"time budget of {_timeBudgetSeconds} s ({(1 - _selectionBudgetFraction) * 100:0}% for the search)" : $"time budget of {_timeBudgetSeconds} s")
                : run.Exhausted is { } exhausted ? $"the tuner has nothing left to propose ({exhausted})" : $"trial limit of {_maxTrials}";
            if (best is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var errors = trials.Where(t => t.Error is not null).Select(t => $"trial {t.TrialSettings.TrialId}: {t.Error}").Take(3).ToArray();
                throw new InvalidOperationException(trials.Length == 0
                    ? $"No trial ran before the search stopped ({reason})."
                    : $"No trial completed successfully ({trials.Length} ran; stopped: {reason}). {string.Join(" | ", errors)}");
            }
            IReadOnlyList<TrialResult> crossValidated = [];
            // a cancelled search does not start the selection (re-running the experiment continues the search): the
            // holdout best is returned as it is
            if (select && !cancellationToken.IsCancellationRequested)
            {
                using var selectionStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                if (_timeBudgetSeconds is double total) selectionStop.CancelAfter(TimeSpan.FromSeconds(Math.Max(0.001, total - clock.Elapsed.TotalSeconds)));
                crossValidated = await run.CrossValidateAsync(trials, selectionStop.Token).ConfigureAwait(false);
                best = crossValidated.Where(t => t.IsSuccess).OrderBy(t => t.Loss).FirstOrDefault() ?? best;
                if (cancellationToken.IsCancellationRequested) reason = "cancelled"; // during the selection (it resumes on a re-run)
            }
            BaselineComparison? comparison = null;
            (ITransformer Model, bool IsRefit, bool TrainedOnValidation, double Metric)? compared = null;
            if (_baseline is not null && run.BaselineTrial(trials) is { } baseTrial)
                (comparison, best, compared) = await Task.Run(() => run.CompareWithBaseline(best, baseTrial, crossValidated), cancellationToken).ConfigureAwait(false);
            if (compared is not null) run.DiscardKept();
            var final = compared ?? await run.FinalModelAsync(best).ConfigureAwait(false);
            var bestWithModel = new TrialResult
            {
                TrialSettings = best.TrialSettings, Status = best.Status, Metric = best.Metric, Loss = best.Loss, Model = final.Model,
                Duration = best.Duration, PeakMemoryBytes = best.PeakMemoryBytes, Pipeline = best.Pipeline, FoldMetrics = best.FoldMetrics,
                Fidelity = best.Fidelity,
            };
            return new ExperimentResult(bestWithModel, trials, metric, study.Name, clock.Elapsed, reason, crossValidated)
            {
                ModelIsRefit = final.IsRefit, ModelTrainedOnValidation = final.TrainedOnValidation, ModelMetric = final.Metric,
                Baseline = comparison, SkippedProposals = run.Skipped, Fidelities = run.Rungs,
            };
        }
        finally
        {
            if (_storage is null) storage.Dispose();
            if (!ReferenceEquals(selectionStorage, _storage)) (selectionStorage as IDisposable)?.Dispose();
        }
    }

    (IDataView Train, IDataView Validation)[] PrepareData()
    {
        if (_train is not null)
            return [(InMemoryDataView.Materialize(_train), InMemoryDataView.Materialize(_validation!))];
        var all = InMemoryDataView.Materialize(_all!);
        if (_folds >= 2) return Folds(all, _folds, _seed);
        var split = _context.Data.TrainTestSplit(all, _validationFraction, _samplingKey, _seed);
        return [(InMemoryDataView.Materialize(split.TrainSet), InMemoryDataView.Materialize(split.TestSet))];
    }

    /// <summary><paramref name="k"/> cross-validation folds of <paramref name="data"/> (the experiment's sampling key), materialized.</summary>
    (IDataView Train, IDataView Validation)[] Folds(IDataView data, int k, int seed) =>
        _context.Data.CrossValidationSplit(data, k, _samplingKey, seed)
            .Select(f => ((IDataView)InMemoryDataView.Materialize(f.TrainSet), (IDataView)InMemoryDataView.Materialize(f.TestSet))).ToArray();

    /// <summary>One run's shared state: the tuner (behind a lock), the storage, the data splits.</summary>
    sealed partial class Run(AutoMLExperiment owner, SweepablePipeline pipeline, ExperimentMetric metric, ITuner tuner, ITrialStorage storage,
        ISelectionStorage? selection, StudyInfo study, (IDataView Train, IDataView Validation)[] splits)
    {
        readonly object _tunerGate = new();
        readonly HashSet<int> _told = [];
        readonly string _process = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}"[..^24];
        /// <summary>Why the tuner had nothing left to propose, once it says so.</summary>
        public string? Exhausted;
        /// <summary>The caller's cancellation (the rest of the run's stop token is the time budget).</summary>
        public CancellationToken UserCancellation { get; init; }
        readonly object _keptGate = new();
        (int Number, double Loss, ITransformer Model)? _kept;
        /// <summary>Whether a worker (another process's) started the study's selection while this run searched.</summary>
        public bool SelectionStarted;
        public readonly System.Collections.Concurrent.ConcurrentDictionary<int, TrialResult> Results = new();
        readonly HashSet<Parameter> _toldParameters = [];
        readonly TrialCostModel _cost = new();
        readonly SemaphoreSlim _promotionGate = new(1, 1);
        readonly System.Collections.Concurrent.ConcurrentDictionary<double, (IDataView Train, IDataView Validation)[]> _subsamples = new();
        int _skipped;

        /// <summary>Seconds left for the search (null without a time budget).</summary>
        public Func<double?> SecondsLeft = () => null;

        /// <summary>Proposals and promotions skipped because the cost model predicted they could not finish in time.</summary>
        public int Skipped => Volatile.Read(ref _skipped);

        /// <summary>The fidelities trials run at, ascending (just 1 without successive halving).</summary>
        public double[] Rungs { get; } = owner._halving is { } h && storage.SupportsFidelity ? h.Rungs((int)(splits[0].Train.GetRowCount() ?? 0)) : [1.0];

        /// <summary>The rows a trial at <paramref name="fidelity"/> trains on.</summary>
        double RowsAt(double fidelity) => fidelity * (splits[0].Train.GetRowCount() ?? 0);

        /// <summary>The splits with the training rows subsampled to <paramref name="fidelity"/> (the whole splits at 1).</summary>
        (IDataView Train, IDataView Validation)[] SplitsAt(double fidelity) => fidelity >= 1 ? splits
            : _subsamples.GetOrAdd(fidelity, f => splits.Select((s, i) => ((IDataView)RowSubsample.Take((InMemoryDataView)s.Train, f, owner._halving?.LabelColumn, owner._seed + 7919 * (i + 1)), s.Validation)).ToArray());

        /// <summary>A new study gets the baseline, then the starting points, queued at full fidelity in that order.</summary>
        public async Task EnqueueStartingPointsAsync(CancellationToken ct)
        {
            var points = (owner._baseline is { } b ? [b, .. owner._startingPoints] : owner._startingPoints).ToList();
            if (points.Count == 0) return;
            if ((await storage.GetTrialsAsync(study.Id, ct).ConfigureAwait(false)).Count > 0) return; // resumed: queued the first time
            var space = pipeline.SearchSpace;
            var distinct = new List<Parameter>();
            foreach (var p in points)
                if (!distinct.Any(d => SamePoint(space, d, p))) distinct.Add(p);
            foreach (var p in distinct.Take(owner._maxTrials ?? int.MaxValue))
                await storage.EnqueueTrialAsync(study.Id, p, SafeDescribe(p), ct).ConfigureAwait(false);
        }


        /// <summary>
        /// Whether two parameters are the same point of the space: equal, or equal in the hypercube (a configuration
        /// given by hand and the trial a tuner ran for it differ in the last bits of their floating-point values).
        /// </summary>
        static bool SamePoint(SearchSpace space, Parameter a, Parameter b)
        {
            if (a.Equals(b)) return true;
            try
            {
                var (x, y) = (space.MappingToFeatureSpace(a), space.MappingToFeatureSpace(b));
                return x.Length == y.Length && x.Zip(y).All(p => Math.Abs(p.First - p.Second) < 1e-9);
            }
            catch (ArgumentException) { return false; }
        }


        string Worker(int slot) => $"{_process}/{slot}";


        string? SafeDescribe(Parameter p)
        {
            try { return pipeline.Describe(p); } catch (ArgumentException) { return null; }
        }
    }
}
