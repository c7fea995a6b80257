using System.Diagnostics;
using Microsoft.ML;
using MLNetLlm.AutoML.Pruners;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.AutoML.Tuners;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// Searches a <see cref="SweepablePipeline"/>'s space for the best model: a tuner proposes parameters, trials fit and
/// evaluate them (holdout or k-fold cross-validation), in parallel if asked, until the time budget or trial limit is
/// reached; failed trials are recorded and the search goes on; a pruner can stop bad trials from their intermediate
/// reports; every trial goes to an <see cref="ITrialStorage"/> (resumable with SQLite, shared by several machines
/// with PostgreSQL); the best parameter is refitted on all training data.
/// </summary>
/// <example>
/// <code>
/// var auto = mlContext.Llm().Auto();
/// var result = await auto.CreateExperiment()
///     .SetPipeline(new SweepablePipeline()
///         .Append(auto.FeaturizeText("Features", "Text"))
///         .Append(auto.SdcaLogisticRegression(), auto.LightGbmBinary()))
///     .SetDataset(train, validation)
///     .SetBinaryClassificationMetric(BinaryClassificationMetric.F1Score)
///     .SetTrainingTimeInSeconds(600)
///     .SetParallelism(2)
///     .RunAsync();
/// Console.WriteLine(result.FormatLeaderboard());
/// </code>
/// </example>
public sealed class AutoMLExperiment
{
    readonly MLContext _context;
    SweepablePipeline? _pipeline;
    IDataView? _train, _validation, _all;
    int _folds;
    double _validationFraction;
    string? _samplingKey;
    ExperimentMetric? _metric;
    double? _timeBudgetSeconds;
    int? _maxTrials;
    int _parallelism = 1;
    TimeSpan? _trialTimeout;
    Func<SearchSpace, ITuner> _tunerFactory;
    ITrialStorage? _storage;
    string _studyName = "default";
    IPruner? _pruner;
    int _maxAttempts = 2;
    TimeSpan _lease = TimeSpan.FromMinutes(2);
    int _seed;
    bool _refitOnValidation = true;

    /// <summary>An experiment on <paramref name="context"/> (usually via <c>mlContext.Llm().Auto().CreateExperiment()</c>).</summary>
    public AutoMLExperiment(MLContext context)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _tunerFactory = space => new SmacTuner(space, _seed);
    }

    /// <summary>Raised when a trial starts (on a worker thread).</summary>
    public event EventHandler<TrialSettings>? TrialStarted;

    /// <summary>Raised when a trial ends, whatever its status (on a worker thread); the result holds the trial's model.</summary>
    public event EventHandler<TrialResult>? TrialCompleted;

    /// <summary>The pipeline to search.</summary>
    public AutoMLExperiment SetPipeline(SweepablePipeline pipeline)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        return this;
    }

    /// <summary>Trains on <paramref name="train"/> and evaluates on <paramref name="validation"/>.</summary>
    public AutoMLExperiment SetDataset(IDataView train, IDataView validation)
    {
        _train = train ?? throw new ArgumentNullException(nameof(train));
        _validation = validation ?? throw new ArgumentNullException(nameof(validation));
        _all = null; _folds = 0;
        return this;
    }

    /// <summary>k-fold cross-validation on <paramref name="data"/> (rows with the same sampling key stay in one fold).</summary>
    public AutoMLExperiment SetDataset(IDataView data, int folds = 5, string? samplingKeyColumnName = null)
    {
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), folds, "Cross-validation needs at least 2 folds.");
        _all = data ?? throw new ArgumentNullException(nameof(data));
        _folds = folds; _samplingKey = samplingKeyColumnName; _train = _validation = null;
        return this;
    }

    /// <summary>A random holdout: <paramref name="validationFraction"/> of <paramref name="data"/> for validation.</summary>
    public AutoMLExperiment SetDataset(IDataView data, double validationFraction, string? samplingKeyColumnName = null)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in (0, 1).");
        _all = data ?? throw new ArgumentNullException(nameof(data));
        _folds = 0; _validationFraction = validationFraction; _samplingKey = samplingKeyColumnName; _train = _validation = null;
        return this;
    }

    /// <summary>The metric to optimise.</summary>
    public AutoMLExperiment SetMetric(ExperimentMetric metric)
    {
        _metric = metric ?? throw new ArgumentNullException(nameof(metric));
        return this;
    }

    /// <summary>Optimises a binary-classification metric (the label column must be Boolean).</summary>
    public AutoMLExperiment SetBinaryClassificationMetric(BinaryClassificationMetric metric = BinaryClassificationMetric.Accuracy, string labelColumn = "Label") =>
        SetMetric(ExperimentMetric.Binary(metric, labelColumn));

    /// <summary>Optimises a multiclass-classification metric (the label column must be a key).</summary>
    public AutoMLExperiment SetMulticlassClassificationMetric(MulticlassClassificationMetric metric = MulticlassClassificationMetric.MicroAccuracy, string labelColumn = "Label") =>
        SetMetric(ExperimentMetric.Multiclass(metric, labelColumn));

    /// <summary>Optimises a regression metric.</summary>
    public AutoMLExperiment SetRegressionMetric(RegressionMetric metric = RegressionMetric.RSquared, string labelColumn = "Label") =>
        SetMetric(ExperimentMetric.Regression(metric, labelColumn));

    /// <summary>Stops starting trials after this many seconds and cancels the running ones (they are re-queued).</summary>
    public AutoMLExperiment SetTrainingTimeInSeconds(double seconds)
    {
        if (!(seconds > 0)) throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "The time budget must be positive.");
        _timeBudgetSeconds = seconds;
        return this;
    }

    /// <summary>Stops when the study has this many trials (counting earlier runs of a resumed study).</summary>
    public AutoMLExperiment SetMaxTrials(int maxTrials)
    {
        if (maxTrials < 1) throw new ArgumentOutOfRangeException(nameof(maxTrials), maxTrials, "At least one trial.");
        _maxTrials = maxTrials;
        return this;
    }

    /// <summary>Trials run at once in this process (default 1).</summary>
    public AutoMLExperiment SetParallelism(int degree)
    {
        if (degree < 1) throw new ArgumentOutOfRangeException(nameof(degree), degree, "At least 1.");
        _parallelism = degree;
        return this;
    }

    /// <summary>A trial running longer than this is cancelled and recorded as failed.</summary>
    public AutoMLExperiment SetTrialTimeout(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "Must be positive.");
        _trialTimeout = timeout;
        return this;
    }

    /// <summary>The seed of the tuner, the data splits and each trial's context (trial n uses seed + n).</summary>
    public AutoMLExperiment SetSeed(int seed)
    {
        _seed = seed;
        return this;
    }

    /// <summary>Any tuner, made from the pipeline's search space.</summary>
    public AutoMLExperiment SetTuner(Func<SearchSpace, ITuner> factory)
    {
        _tunerFactory = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>Grid search with <paramref name="step"/> points per range.</summary>
    public AutoMLExperiment SetGridSearchTuner(int step = 10) => SetTuner(s => new GridSearchTuner(s, step));

    /// <summary>Random search.</summary>
    public AutoMLExperiment SetRandomSearchTuner(int? seed = null) => SetTuner(s => new RandomSearchTuner(s, seed ?? _seed));

    /// <summary>Bayesian optimisation with a Gaussian process and expected improvement.</summary>
    public AutoMLExperiment SetGaussianProcessTuner() => SetTuner(s => new GaussianProcessTuner(s, _seed));

    /// <summary>SMAC: a random-forest surrogate with expected improvement (the default).</summary>
    public AutoMLExperiment SetSmacTuner() => SetTuner(s => new SmacTuner(s, _seed));

    /// <summary>Cost-frugal local search from the defaults.</summary>
    public AutoMLExperiment SetCostFrugalTuner() => SetTuner(s => new CostFrugalTuner(s, _seed));

    /// <summary>
    /// Where trials are stored, and the study name. Re-running with the same storage and name resumes the study.
    /// </summary>
    public AutoMLExperiment SetStorage(ITrialStorage storage, string studyName = "default")
    {
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        if (string.IsNullOrWhiteSpace(studyName)) throw new ArgumentException("A study needs a name.", nameof(studyName));
        _studyName = studyName;
        return this;
    }

    /// <summary>
    /// How long a worker holds a trial between renewals, and how many times a trial whose worker vanished is retried
    /// (default 2 minutes, 2 attempts).
    /// </summary>
    public AutoMLExperiment SetLease(TimeSpan lease, int maxAttempts = 2)
    {
        if (lease < TimeSpan.FromMilliseconds(100)) throw new ArgumentOutOfRangeException(nameof(lease), lease, "At least 100 ms.");
        if (maxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(maxAttempts), maxAttempts, "At least 1.");
        _lease = lease;
        _maxAttempts = maxAttempts;
        return this;
    }

    /// <summary>Stops bad trials early from their intermediate reports (cross-validation folds, epochs).</summary>
    public AutoMLExperiment SetPruner(IPruner? pruner)
    {
        _pruner = pruner;
        return this;
    }

    /// <summary>Whether the final model of a holdout experiment is refitted on training + validation data (default true).</summary>
    public AutoMLExperiment SetRefitOnValidationData(bool refit)
    {
        _refitOnValidation = refit;
        return this;
    }

    /// <summary>Runs the search, then refits the best parameter on all training data.</summary>
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
        var space = pipeline.SearchSpace;
        var tuner = _tunerFactory(space);

        var clock = Stopwatch.StartNew();
        var storage = _storage ?? new InMemoryTrialStorage();
        try
        {
            var study = await storage.OpenStudyAsync(_studyName, metric.Name, metric.Maximize, cancellationToken).ConfigureAwait(false);
            var run = new Run(this, pipeline, metric, tuner, storage, study, PrepareData());
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (_timeBudgetSeconds is double budget) stop.CancelAfter(TimeSpan.FromSeconds(budget));
            await run.SyncTunerAsync(CancellationToken.None).ConfigureAwait(false);
            var workers = Enumerable.Range(0, _parallelism).Select(i => Task.Run(() => run.WorkerAsync(i, stop.Token))).ToArray();
            await Task.WhenAll(workers).ConfigureAwait(false);

            // this run's results carry their fold metrics; earlier runs' come from the storage
            var trials = (await storage.GetTrialsAsync(study.Id, CancellationToken.None).ConfigureAwait(false))
                .Select(t => t.Status == TrialStatus.Completed && run.Results.TryGetValue(t.Number, out var r) ? r : t.ToResult()).ToArray();
            var best = trials.Where(t => t.IsSuccess).OrderBy(t => t.Loss).ThenBy(t => t.TrialSettings.TrialId).FirstOrDefault();
            string reason = cancellationToken.IsCancellationRequested ? "cancelled"
                : stop.IsCancellationRequested ? $"time budget of {_timeBudgetSeconds} s"
                : run.Exhausted ? "the tuner has nothing left to propose" : $"trial limit of {_maxTrials}";
            if (best is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var errors = trials.Where(t => t.Error is not null).Select(t => $"trial {t.TrialSettings.TrialId}: {t.Error}").Take(3).ToArray();
                throw new InvalidOperationException(trials.Length == 0
                    ? $"No trial ran before the search stopped ({reason})."
                    : $"No trial completed successfully ({trials.Length} ran; stopped: {reason}). {string.Join(" | ", errors)}");
            }
            var refitContext = new MLContext(_seed);
            var model = await Task.Run(() => pipeline.Fit(refitContext, best.TrialSettings.Parameter, run.RefitData), cancellationToken).ConfigureAwait(false);
            var bestWithModel = new TrialResult
            {
                TrialSettings = best.TrialSettings, Status = best.Status, Metric = best.Metric, Loss = best.Loss, Model = model,
                Duration = best.Duration, PeakMemoryBytes = best.PeakMemoryBytes, Pipeline = best.Pipeline, FoldMetrics = best.FoldMetrics,
            };
            return new ExperimentResult(bestWithModel, trials, metric, study.Name, clock.Elapsed, reason);
        }
        finally
        {
            if (_storage is null) storage.Dispose();
        }
    }

    (IDataView Train, IDataView Validation)[] PrepareData()
    {
        if (_train is not null)
            return [(InMemoryDataView.Materialize(_train), InMemoryDataView.Materialize(_validation!))];
        var all = InMemoryDataView.Materialize(_all!);
        if (_folds >= 2)
            return _context.Data.CrossValidationSplit(all, _folds, _samplingKey, _seed)
                .Select(f => ((IDataView)InMemoryDataView.Materialize(f.TrainSet), (IDataView)InMemoryDataView.Materialize(f.TestSet))).ToArray();
        var split = _context.Data.TrainTestSplit(all, _validationFraction, _samplingKey, _seed);
        return [(InMemoryDataView.Materialize(split.TrainSet), InMemoryDataView.Materialize(split.TestSet))];
    }

    /// <summary>One run's shared state: the tuner (behind a lock), the storage, the data splits.</summary>
    sealed class Run(AutoMLExperiment owner, SweepablePipeline pipeline, ExperimentMetric metric, ITuner tuner, ITrialStorage storage,
        StudyInfo study, (IDataView Train, IDataView Validation)[] splits)
    {
        readonly object _tunerGate = new();
        readonly HashSet<int> _told = [];
        readonly string _process = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}"[..^24];
        public bool Exhausted;
        public readonly System.Collections.Concurrent.ConcurrentDictionary<int, TrialResult> Results = new();

        public IDataView RefitData
        {
            get
            {
                if (owner._train is not null)
                    return owner._refitOnValidation
                        ? ((InMemoryDataView)splits[0].Train).Concat((InMemoryDataView)splits[0].Validation)
                        : splits[0].Train;
                return InMemoryDataView.Materialize(owner._all!);
            }
        }

        string Worker(int slot) => $"{_process}/{slot}";

        /// <summary>Tells the tuner about finished trials it has not heard of (earlier runs, other workers).</summary>
        public async Task SyncTunerAsync(CancellationToken ct)
        {
            var trials = await storage.GetTrialsAsync(study.Id, ct).ConfigureAwait(false);
            lock (_tunerGate)
                foreach (var t in trials)
                    if (t.IsFinished && _told.Add(t.Number)) TellTuner(t.ToResult());
        }

        void TellTuner(TrialResult r)
        {
            try { tuner.Update(r); }
            catch (ArgumentException) { /* a stored parameter outside today's space (the pipeline changed): nothing to learn */ }
        }

        public async Task WorkerAsync(int slot, CancellationToken stop)
        {
            try { await WorkAsync(Worker(slot), stop).ConfigureAwait(false); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // the budget ran out (or the experiment was cancelled) while waiting on the storage: just stop
            }
        }

        async Task WorkAsync(string worker, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var trial = await storage.ClaimTrialAsync(study.Id, worker, owner._lease, owner._maxAttempts, stop).ConfigureAwait(false);
                if (trial is null)
                {
                    await SyncTunerAsync(stop).ConfigureAwait(false);
                    trial = await storage.CreateTrialAsync(study.Id, owner._maxTrials, number =>
                    {
                        lock (_tunerGate)
                        {
                            try
                            {
                                var p = tuner.Propose(new TrialSettings { TrialId = number });
                                return (p, pipeline.Describe(p));
                            }
                            catch (TunerExhaustedException) { Exhausted = true; return null; }
                        }
                    }, worker, owner._lease, stop).ConfigureAwait(false);
                }
                if (trial is null)
                {
                    // Nothing to propose. Another machine's running trial may still come back (its lease expiring),
                    // so wait for those; our own running trials finish by themselves.
                    var all = await storage.GetTrialsAsync(study.Id, stop).ConfigureAwait(false);
                    if (!all.Any(t => t.Status is TrialStatus.Running or TrialStatus.Queued && !(t.Worker ?? "").StartsWith(_process, StringComparison.Ordinal)))
                        return;
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, owner._lease.TotalMilliseconds / 4)), stop).ConfigureAwait(false);
                    continue;
                }
                await RunTrialAsync(trial, worker, stop).ConfigureAwait(false);
            }
        }

        async Task RunTrialAsync(StoredTrial trial, string worker, CancellationToken stop)
        {
            var settings = new TrialSettings { TrialId = trial.Number, Parameter = trial.Parameter, StartedAtUtc = DateTimeOffset.UtcNow };
            owner.TrialStarted?.Invoke(owner, settings);
            using var trialCts = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (owner._trialTimeout is TimeSpan timeout) trialCts.CancelAfter(timeout);
            using var heartbeat = new CancellationTokenSource();
            bool leaseLost = false;
            var beating = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        await Task.Delay(owner._lease / 3, heartbeat.Token).ConfigureAwait(false);
                        if (!await storage.RenewLeaseAsync(trial.Id, worker, owner._lease, heartbeat.Token).ConfigureAwait(false))
                        {
                            leaseLost = true;
                            trialCts.Cancel();
                            return;
                        }
                    }
                }
                catch (OperationCanceledException) { }
            });
            using var memory = MemorySampler.Start();
            var clock = Stopwatch.StartNew();
            var context = new MLContext(owner._seed + trial.Number);
            TrialResult result;
            ITransformer? model = null;
            try
            {
                using var reg = trialCts.Token.Register(() => MLContextCancellation.CancelExecution(context));
                var trialContext = new TrialContext(settings, (step, value) => Report(trial, step, metric.ToLoss(value), value, trialCts.Token),
                    (step, loss) => Report(trial, step, loss, loss, trialCts.Token), trialCts.Token);
                var (value, folds, m) = await Task.Run(() => Evaluate(context, trial.Parameter, trialContext), trialCts.Token)
                    .WaitAsync(trialCts.Token).ConfigureAwait(false);
                model = m;
                bool ok = double.IsFinite(value);
                result = Result(settings, trial, ok ? TrialStatus.Completed : TrialStatus.Failed, clock.Elapsed, memory.Peak,
                    value, folds, ok ? null : $"The metric is {value}.", model);
            }
            catch (TrialPrunedException e)
            {
                result = Result(settings, trial, TrialStatus.Pruned, clock.Elapsed, memory.Peak, double.NaN, [], e.Message, null);
            }
            catch (Exception e) when (trialCts.IsCancellationRequested && !leaseLost && stop.IsCancellationRequested)
            {
                // the budget ended or the experiment was cancelled: the trial goes back to the queue for a later run
                _ = e;
                await heartbeat.CancelAsync().ConfigureAwait(false);
                await beating.ConfigureAwait(false);
                await storage.RequeueTrialAsync(trial.Id, worker, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception e)
            {
                string error = leaseLost ? "This worker lost its lease on the trial (another worker took it over)."
                    : trialCts.IsCancellationRequested ? $"Timed out after {owner._trialTimeout?.TotalSeconds} s."
                    : $"{e.GetType().Name}: {e.Message}";
                result = Result(settings, trial, TrialStatus.Failed, clock.Elapsed, memory.Peak, double.NaN, [], error, null);
            }
            await heartbeat.CancelAsync().ConfigureAwait(false);
            await beating.ConfigureAwait(false);
            if (leaseLost) return;
            if (await storage.FinishTrialAsync(trial.Id, worker, result, CancellationToken.None).ConfigureAwait(false))
            {
                lock (_tunerGate)
                    if (_told.Add(trial.Number)) TellTuner(result);
                owner.TrialCompleted?.Invoke(owner, result);
                Results[trial.Number] = new TrialResult
                {
                    TrialSettings = result.TrialSettings, Status = result.Status, Metric = result.Metric, Loss = result.Loss,
                    FoldMetrics = result.FoldMetrics, Duration = result.Duration, PeakMemoryBytes = result.PeakMemoryBytes,
                    Error = result.Error, Pipeline = result.Pipeline, // the model is not kept: only the refitted best one is
                };
            }
        }

        TrialResult Result(TrialSettings settings, StoredTrial trial, TrialStatus status, TimeSpan duration, long peak, double value,
            IReadOnlyList<double> folds, string? error, ITransformer? model) => new()
        {
            TrialSettings = settings,
            Status = status,
            Metric = status == TrialStatus.Completed ? value : double.NaN,
            Loss = status == TrialStatus.Completed ? metric.ToLoss(value) : double.NaN,
            FoldMetrics = folds,
            Duration = duration,
            PeakMemoryBytes = peak,
            Error = error,
            Pipeline = trial.Pipeline ?? SafeDescribe(trial.Parameter),
            Model = model,
        };

        string? SafeDescribe(Parameter p)
        {
            try { return pipeline.Describe(p); } catch (ArgumentException) { return null; }
        }

        (double Metric, IReadOnlyList<double> Folds, ITransformer Model) Evaluate(MLContext context, Parameter parameter, TrialContext trial)
        {
            var values = new List<double>();
            ITransformer? model = null;
            for (int f = 0; f < splits.Length; f++)
            {
                trial.CancellationToken.ThrowIfCancellationRequested();
                model = pipeline.Fit(context, parameter, splits[f].Train, trial);
                values.Add(metric.Evaluate(context, model.Transform(splits[f].Validation)));
                if (splits.Length > 1) trial.Report(f + 1, values.Average());
            }
            return (values.Average(), splits.Length > 1 ? values : [], model!);
        }

        void Report(StoredTrial trial, int step, double loss, double value, CancellationToken ct)
        {
            storage.AddReportAsync(trial.Id, step, loss, ct).GetAwaiter().GetResult();
            if (owner._pruner is null) return;
            var history = storage.GetReportsAsync(study.Id, ct).GetAwaiter().GetResult();
            if (owner._pruner.ShouldPrune(trial.Number, step, loss, history))
                throw new TrialPrunedException($"Pruned at step {step}: {metric.Name} = {value:G4}.");
        }
    }
}
