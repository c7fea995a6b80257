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
/// with PostgreSQL); the best parameter (optionally chosen among the holdout leaders by k-fold cross-validation,
/// <see cref="SetCrossValidatedSelection"/>) is refitted on all training data. Trials train on threads of their own,
/// are abandoned at their time limit even if the trainer does not stop, and their models are disposed once scored.
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
    int _selectionTop, _selectionFolds;
    double _selectionBudgetFraction;
    Parameter[] _selectionAlways = [];
    Parameter[] _startingPoints = [];
    Parameter? _baseline;
    double _baselineConfidence = 0.95;
    int _bootstrapSamples = 1000;
    SuccessiveHalving? _halving;
    bool _skipUnaffordable = true;

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

    /// <summary>
    /// The seed of the tuner, the data splits and each trial's context. A trial's context seed is derived from this seed
    /// and the trial's parameter (a hash of its canonical JSON), not from its number: the same parameter trains the same
    /// model in any trial, run or worker process, and the final refit uses the best trial's seed.
    /// </summary>
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
    /// Where trials are stored, and the study name. Re-running with the same storage and name resumes the study,
    /// its cross-validated selection included (<see cref="SetCrossValidatedSelection"/>).
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

    /// <summary>
    /// Picks the final model by k-fold cross-validation instead of the single holdout: when the search ends, the
    /// <paramref name="topTrials"/> best trials of the holdout leaderboard, plus the trials of
    /// <paramref name="alwaysInclude"/> (e.g. a baseline configuration given to the tuner as a starting point), are
    /// re-evaluated with <paramref name="folds"/>-fold cross-validation on all training rows (training + validation),
    /// and the best mean wins. One holdout of a few hundred rows ranks near-equal trials by noise; the cross-validated
    /// mean of every row is steadier, and with the baseline included the pick is never worse than the baseline on it.
    /// With a time budget, the search stops after (1 − <paramref name="budgetFraction"/>) of it and the re-evaluation
    /// gets the rest (the always-included trials first, then by holdout rank); a candidate whose folds did not all
    /// finish, or failed, is recorded in <see cref="ExperimentResult.CrossValidatedTrials"/> with the reason and not
    /// picked. If none finishes, the holdout winner is kept. Holdout experiments only
    /// (<see cref="SetDataset(IDataView, IDataView)"/> or <see cref="SetDataset(IDataView, double, string?)"/>).
    /// <para>
    /// The selection is part of the study: its candidates and every fold's metric, duration, peak memory and status
    /// go to the trial storage (<see cref="SetStorage"/>). Once it has started, the study searches no further: a
    /// re-run with the same storage and study name (after a cancellation, a killed process or the end of the budget)
    /// goes straight to the folds not finished yet (finished ones are not run again; a fold interrupted mid-way runs
    /// again; one whose process died is retried when its lease expires, <see cref="SetLease"/>), then refits the best
    /// mean. Workers sharing a PostgreSQL study claim folds like trials, so no fold runs twice at once. The fold split
    /// and each fold's seed come from the first run's <see cref="SetSeed"/>; resuming with other
    /// <paramref name="topTrials"/> or <paramref name="folds"/> is an error. With another <see cref="ITrialStorage"/>
    /// than the shipped ones, the selection is kept in memory for the run.
    /// </para>
    /// </summary>
    /// <param name="topTrials">Holdout leaders re-evaluated; 1–100, default 3.</param>
    /// <param name="folds">Cross-validation folds; 2–20, default 5.</param>
    /// <param name="budgetFraction">Share of the time budget kept for the re-evaluation; (0, 0.9], default 0.25.</param>
    /// <param name="alwaysInclude">Parameters whose completed trials are always re-evaluated.</param>
    public AutoMLExperiment SetCrossValidatedSelection(int topTrials = 3, int folds = 5, double budgetFraction = 0.25, IEnumerable<Parameter>? alwaysInclude = null)
    {
        if (topTrials is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(topTrials), topTrials, "Between 1 and 100 trials.");
        if (folds is < 2 or > 20) throw new ArgumentOutOfRangeException(nameof(folds), folds, "Between 2 and 20 folds.");
        if (!(budgetFraction > 0 && budgetFraction <= 0.9)) throw new ArgumentOutOfRangeException(nameof(budgetFraction), budgetFraction, "Must be in (0, 0.9].");
        var always = (alwaysInclude ?? []).ToArray();
        if (always.Any(p => p is null)) throw new ArgumentException("A parameter to include is null.", nameof(alwaysInclude));
        (_selectionTop, _selectionFolds, _selectionBudgetFraction, _selectionAlways) = (topTrials, folds, budgetFraction, always);
        return this;
    }

    /// <summary>
    /// Configurations tried first, in order, at full fidelity, before the tuner's own proposals (e.g. known good
    /// or cheap configurations); the tuner learns from their results. Only a new study gets them (a resumed one has
    /// them already).
    /// </summary>
    public AutoMLExperiment SetStartingPoints(IEnumerable<Parameter> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var all = points.ToArray();
        if (all.Any(p => p is null)) throw new ArgumentException("A starting point is null.", nameof(points));
        _startingPoints = all;
        return this;
    }

    /// <summary>
    /// Never worse than the baseline: <paramref name="baseline"/> (e.g. the hand-written default pipeline as a point
    /// of the space) is the study's first trial, at full fidelity, and the search's pick replaces it only when it beats it
    /// on the validation data by more than the noise, else the baseline is returned. The noise: with a holdout, a paired
    /// bootstrap over the validation rows (<paramref name="bootstrapSamples"/> resamples, both models fitted on the
    /// training rows and scored on the same resampled rows); with cross-validation (k-fold trials, or
    /// <see cref="SetCrossValidatedSelection"/>, which then always re-evaluates the baseline), a paired Student-t bound
    /// over the folds. The pick wins when the one-sided <paramref name="confidence"/> lower bound of its advantage is
    /// above zero. <see cref="ExperimentResult.Baseline"/> says what was compared and which model was returned.
    /// </summary>
    /// <param name="baseline">A point of the pipeline's space.</param>
    /// <param name="confidence">In [0.5, 1); default 0.95.</param>
    /// <param name="bootstrapSamples">Paired resamples of the validation rows; 100–100,000, default 1,000.</param>
    public AutoMLExperiment SetBaseline(Parameter baseline, double confidence = 0.95, int bootstrapSamples = 1000)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        if (!(confidence >= 0.5 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "Must be in [0.5, 1).");
        if (bootstrapSamples is < 100 or > 100_000) throw new ArgumentOutOfRangeException(nameof(bootstrapSamples), bootstrapSamples, "Between 100 and 100,000.");
        (_baseline, _baselineConfidence, _bootstrapSamples) = (baseline, confidence, bootstrapSamples);
        return this;
    }

    /// <summary>
    /// Multi-fidelity search by asynchronous successive halving: the tuner's configurations first train on
    /// <paramref name="minimumFidelity"/> of the training rows (a seeded subsample, stratified by
    /// <paramref name="labelColumnName"/> when it holds classes) and are scored on the whole validation data; the top
    /// 1/<paramref name="reductionFactor"/> of each rung's completed trials are promoted to <paramref name="reductionFactor"/>
    /// times more rows, up to all of them. Rungs with fewer than <paramref name="minimumRows"/> rows are left out (small
    /// data: every trial at full fidelity). Only full-fidelity trials can be picked; each trial's fidelity is kept in the
    /// trial storage (<see cref="TrialResult.Fidelity"/>), so a resumed study promotes from where it stopped. The tuner
    /// learns from each configuration's first result (its lowest rung). Storages that do not record fidelities
    /// (<see cref="ITrialStorage.SupportsFidelity"/>) run every trial at full fidelity.
    /// </summary>
    /// <param name="minimumFidelity">The lowest rung's share of the training rows, in (0, 1); default 1/9.</param>
    /// <param name="reductionFactor">η, the rows factor between rungs and the promoted share's inverse; ≥ 2, default 3.</param>
    /// <param name="minimumRows">The fewest rows a rung may train on; default 500.</param>
    /// <param name="labelColumnName">The column subsamples are stratified by (none when null or missing).</param>
    public AutoMLExperiment SetSuccessiveHalving(double minimumFidelity = 1.0 / 9, double reductionFactor = 3, int minimumRows = 500, string? labelColumnName = "Label")
    {
        if (!(minimumFidelity > 0 && minimumFidelity < 1)) throw new ArgumentOutOfRangeException(nameof(minimumFidelity), minimumFidelity, "Must be in (0, 1).");
        if (!(reductionFactor >= 2)) throw new ArgumentOutOfRangeException(nameof(reductionFactor), reductionFactor, "At least 2.");
        if (minimumRows < 1) throw new ArgumentOutOfRangeException(nameof(minimumRows), minimumRows, "At least 1.");
        _halving = new SuccessiveHalving(minimumFidelity, reductionFactor, minimumRows, labelColumnName);
        return this;
    }

    /// <summary>
    /// Whether, under a time budget, proposals and promotions that the learned cost model (seconds per training row of
    /// each pipeline, from the trials run so far) predicts cannot finish in the time left are skipped (default true);
    /// the tuner is told a skipped proposal failed, so it looks elsewhere. <see cref="ExperimentResult.SkippedProposals"/> counts them.
    /// </summary>
    public AutoMLExperiment SetCostAwareness(bool skipUnaffordable)
    {
        _skipUnaffordable = skipUnaffordable;
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
    sealed class Run(AutoMLExperiment owner, SweepablePipeline pipeline, ExperimentMetric metric, ITuner tuner, ITrialStorage storage,
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
        /// The baseline's completed full-fidelity trial; else, for a holdout experiment, its trial that did not finish (cut
        /// by the budget, failed) or a stand-in, so that the comparison still fits and scores it; null when there is none to compare.
        /// </summary>
        public TrialResult? BaselineTrial(IReadOnlyList<TrialResult> trials)
        {
            var mine = trials.Where(t => t.Fidelity >= 1 && SamePoint(pipeline.SearchSpace, t.TrialSettings.Parameter, owner._baseline!))
                .OrderBy(t => t.TrialSettings.TrialId).ToArray();
            if (mine.FirstOrDefault(t => t.IsSuccess) is { } done) return done;
            if (splits.Length > 1) return null; // k-fold: no fold metrics to pair with
            return new TrialResult
            {
                TrialSettings = new TrialSettings { TrialId = mine.FirstOrDefault()?.TrialSettings.TrialId ?? 0, Parameter = owner._baseline! },
                Status = TrialStatus.Failed, Pipeline = SafeDescribe(owner._baseline!),
                Error = "The baseline's trial did not complete during the search; fitted for the comparison.",
            };
        }

        /// <summary>
        /// <see cref="SetBaseline"/>'s rule: the pick stays only if it beats the baseline by more than the noise. Returns the
        /// comparison, the trial to return, and (holdout experiments that refit on the training rows only) its fitted model.
        /// </summary>
        public (BaselineComparison, TrialResult, (ITransformer Model, bool IsRefit, bool TrainedOnValidation, double Metric)?) CompareWithBaseline(TrialResult pick, TrialResult baseline, IReadOnlyList<TrialResult> crossValidated)
        {
            int pickId = pick.TrialSettings.TrialId, baseId = baseline.TrialSettings.TrialId;
            double conf = owner._baselineConfidence;
            if (pickId == baseId)
                return (new BaselineComparison(baseId, baseId, baseline.Metric, baseline.Metric, 0, 0, conf, "the baseline was the best trial", true), pick, null);
            (double Improvement, double LowerBound, string Method) test;
            (ITransformer Model, bool IsRefit, bool TrainedOnValidation, double Metric)? pickModel = null;
            if (!baseline.IsSuccess) crossValidated = []; // no completed baseline trial: compare on the holdout
            var cvPick = crossValidated.FirstOrDefault(t => t.TrialSettings.TrialId == pickId && t.IsSuccess);
            var cvBase = crossValidated.FirstOrDefault(t => t.TrialSettings.TrialId == baseId && t.IsSuccess);
            double baseMetric = baseline.Metric, pickMetric = pick.Metric;
            if (cvPick is not null && cvBase is not null)
            {
                test = BaselineGuard.PairedFolds(cvPick.FoldMetrics, cvBase.FoldMetrics, metric.Maximize, conf);
                (baseMetric, pickMetric) = (cvBase.Metric, cvPick.Metric);
            }
            else if (splits.Length > 1 && baseline.IsSuccess && pick.FoldMetrics.Count == splits.Length && baseline.FoldMetrics.Count == splits.Length)
                test = BaselineGuard.PairedFolds(pick.FoldMetrics, baseline.FoldMetrics, metric.Maximize, conf);
            else
            {
                var (train, validation) = splits[0];
                // each fitted with its trial's seed: the same models (and scores) as the trials themselves
                var pickFit = pipeline.Fit(new MLContext(TrialSeeds.For(owner._seed, pick.TrialSettings.Parameter)), pick.TrialSettings.Parameter, train);
                var baseFit = pipeline.Fit(new MLContext(TrialSeeds.For(owner._seed, baseline.TrialSettings.Parameter)), baseline.TrialSettings.Parameter, train);
                var context = new MLContext(owner._seed);
                var (pickScored, baseScored) = (pickFit.Transform(validation), baseFit.Transform(validation));
                test = BaselineGuard.Bootstrap(context, metric, pickScored, baseScored, owner._bootstrapSamples, conf, owner._seed);
                if (!baseline.IsSuccess)
                {
                    // the stand-in gets the metric measured here, so the baseline can be returned like a trial
                    baseMetric = metric.Evaluate(context, baseScored);
                    baseline = new TrialResult
                    {
                        TrialSettings = baseline.TrialSettings, Status = TrialStatus.Completed, Metric = baseMetric, Loss = metric.ToLoss(baseMetric),
                        Pipeline = baseline.Pipeline, Error = baseline.Error,
                    };
                }
                var (winner, loser) = test.LowerBound > 0 ? (pickFit, baseFit) : (baseFit, pickFit);
                var winnerScored = test.LowerBound > 0 ? pickScored : baseScored;
                OwnThreadWork.Dispose(loser);
                // without a refit on the validation rows, the final model is trained on these same rows: keep it
                if (!owner._refitOnValidation) pickModel = (winner, true, false, metric.Evaluate(context, winnerScored));
                else OwnThreadWork.Dispose(winner);
            }
            bool pickWins = test.LowerBound > 0;
            var comparison = new BaselineComparison(baseId, pickId, baseMetric, pickMetric, test.Improvement, test.LowerBound, conf, test.Method, !pickWins);
            return (comparison, pickWins ? pick : cvBase ?? baseline, pickModel);
        }

        /// <summary>Whether the final model trains on exactly the rows each trial trained on (a holdout experiment not refitted on its validation rows).</summary>
        bool RefitOnTrialData => splits.Length == 1 && owner._folds < 2 && !owner._refitOnValidation;

        public IDataView RefitData => RefitOnTrialData ? splits[0].Train : AllRows;

        /// <summary>
        /// Keeps the model of the best completed trial so far when the final model would be a refit on the same rows:
        /// that model is the one whose score the leaderboard shows, so it is returned instead of a second training.
        /// Returns whether <paramref name="model"/> was kept (the caller disposes it otherwise).
        /// </summary>
        bool KeepIfBest(int number, double loss, ITransformer? model)
        {
            if (model is null || !RefitOnTrialData) return false;
            lock (_keptGate)
            {
                if (_kept is { } k && (k.Loss < loss || k.Loss == loss && k.Number < number)) return false;
                if (_kept is { } old) OwnThreadWork.Dispose(old.Model);
                _kept = (number, loss, model);
                return true;
            }
        }

        /// <summary>Disposes the kept trial model (the final model came from elsewhere, e.g. the baseline comparison).</summary>
        public void DiscardKept()
        {
            (int Number, double Loss, ITransformer Model)? kept;
            lock (_keptGate) { kept = _kept; _kept = null; }
            if (kept is { } k) OwnThreadWork.Dispose(k.Model);
        }

        /// <summary>
        /// The model to return for <paramref name="best"/>: its own trial model when it was kept (trained on the same
        /// rows as the refit would be), else a refit with the trial's seed on <see cref="RefitData"/>, scored on the
        /// validation rows (in-sample when it was trained on them; NaN for a cross-validated experiment).
        /// </summary>
        public async Task<(ITransformer Model, bool IsRefit, bool TrainedOnValidation, double Metric)> FinalModelAsync(TrialResult best)
        {
            (int Number, double Loss, ITransformer Model)? kept;
            lock (_keptGate) { kept = _kept; _kept = null; }
            if (kept is { } k && k.Number == best.TrialSettings.TrialId)
                return (k.Model, false, false, Results.TryGetValue(k.Number, out var own) ? own.Metric : best.Metric);
            if (kept is { } other) OwnThreadWork.Dispose(other.Model);
            var parameter = best.TrialSettings.Parameter;
            var context = new MLContext(TrialSeeds.For(owner._seed, parameter));
            var data = RefitData;
            var model = await Task.Run(() => pipeline.Fit(context, parameter, data)).ConfigureAwait(false);
            bool holdout = splits.Length == 1 && owner._folds < 2;
            double value = holdout ? metric.Evaluate(context, model.Transform(splits[0].Validation)) : double.NaN;
            return (model, true, !RefitOnTrialData, value);
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

        /// <summary>Every training row: training + validation of a holdout experiment, or the whole data set.</summary>
        IDataView AllRows => owner._train is not null
            ? ((InMemoryDataView)splits[0].Train).Concat((InMemoryDataView)splits[0].Validation)
            : InMemoryDataView.Materialize(owner._all!);

        /// <summary>
        /// The selection's candidates: the trials of the always-included parameters, then the holdout leaders, as
        /// trial numbers in evaluation order.
        /// </summary>
        IReadOnlyList<int> Candidates(IReadOnlyList<TrialResult> trials)
        {
            var ranked = trials.Where(t => t.IsSuccess).OrderByDescending(t => t.Fidelity).ThenBy(t => t.Loss).ThenBy(t => t.TrialSettings.TrialId).ToArray();
            var candidates = new List<int>();
            var space = pipeline.SearchSpace;
            foreach (var p in owner._baseline is { } baseline ? [baseline, .. owner._selectionAlways] : owner._selectionAlways)
                if (ranked.FirstOrDefault(t => SamePoint(space, t.TrialSettings.Parameter, p)) is { } t && !candidates.Contains(t.TrialSettings.TrialId))
                    candidates.Add(t.TrialSettings.TrialId);
            foreach (var t in ranked.Take(owner._selectionTop))
                if (!candidates.Contains(t.TrialSettings.TrialId)) candidates.Add(t.TrialSettings.TrialId);
            return candidates;
        }

        /// <summary>
        /// Re-evaluates the selection candidates (the always-included trials, then the holdout leaders) with k-fold
        /// cross-validation on every training row. The plan and one job per (candidate, fold) go to the storage the
        /// first time (a resumed run, or another worker, reads the stored plan); <c>parallelism</c> workers claim the
        /// jobs in candidate order, each fold under the trial timeout and a lease, all of it until
        /// <paramref name="stop"/> (a fold interrupted there is re-queued for a later run). Returns one result per
        /// candidate, read back from the storage in candidate order: completed with the mean and the fold values, or
        /// failed with the reason (a fold's error, or not finished in time).
        /// </summary>
        public async Task<IReadOnlyList<TrialResult>> CrossValidateAsync(IReadOnlyList<TrialResult> trials, CancellationToken stop)
        {
            var store = selection!;
            var stored = await store.GetSelectionAsync(study.Id, CancellationToken.None).ConfigureAwait(false)
                ?? await store.StartSelectionAsync(study.Id, new SelectionPlan(owner._selectionFolds, owner._selectionTop, owner._seed, Candidates(trials)),
                    CancellationToken.None).ConfigureAwait(false);
            StudyCheck.EnsureSameSelection(study.Name, stored, owner._selectionFolds, owner._selectionTop);
            var byNumber = trials.ToDictionary(t => t.TrialSettings.TrialId);
            if (stored.Candidates.FirstOrDefault(c => !byNumber.ContainsKey(c.TrialNumber)) is { } missing)
                throw new InvalidOperationException($"Study '{study.Name}': cross-validation candidate trial {missing.TrialNumber} is not among the study's trials.");
            if (stored.Candidates.Any(c => c.Status == TrialStatus.Queued))
            {
                var folds = owner.Folds(AllRows, stored.Folds, stored.Seed);
                await Task.WhenAll(Enumerable.Range(0, owner._parallelism)
                    .Select(slot => Task.Run(() => FoldWorkerAsync(store, Worker(slot), folds, stored.Seed, byNumber, stop), CancellationToken.None))).ConfigureAwait(false);
                stored = (await store.GetSelectionAsync(study.Id, CancellationToken.None).ConfigureAwait(false))!;
            }
            return stored.Candidates.Select(c => CandidateResult(c, stored.Folds, byNumber[c.TrialNumber])).ToArray();
        }

        TrialResult CandidateResult(StoredCandidate c, int k, TrialResult trial)
        {
            bool ok = c.Status == TrialStatus.Completed;
            return new TrialResult
            {
                TrialSettings = trial.TrialSettings,
                Status = ok ? TrialStatus.Completed : TrialStatus.Failed,
                Metric = ok ? c.Mean : double.NaN,
                Loss = ok ? metric.ToLoss(c.Mean) : double.NaN,
                FoldMetrics = c.FoldMetrics,
                Duration = c.Duration,
                PeakMemoryBytes = c.PeakMemoryBytes,
                Error = ok ? null : c.Error ?? $"Cross-validation did not finish before the time budget ended ({c.FoldMetrics.Count} of {k} folds).",
                Pipeline = trial.Pipeline,
            };
        }

        async Task FoldWorkerAsync(ISelectionStorage store, string worker, (IDataView Train, IDataView Validation)[] folds, int seed,
            IReadOnlyDictionary<int, TrialResult> trials, CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var job = await store.ClaimFoldAsync(study.Id, worker, owner._lease, owner._maxAttempts, stop).ConfigureAwait(false);
                    if (job is null)
                    {
                        // Another machine's running fold may still come back (its lease expiring): wait for those.
                        var now = await store.GetSelectionAsync(study.Id, stop).ConfigureAwait(false);
                        if (!now!.Candidates.SelectMany(c => c.Folds).Any(f => f.Status == TrialStatus.Queued
                                || f.Status == TrialStatus.Running && !(f.Worker ?? "").StartsWith(_process, StringComparison.Ordinal)))
                            return;
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, owner._lease.TotalMilliseconds / 4)), stop).ConfigureAwait(false);
                        continue;
                    }
                    await RunFoldAsync(store, job, worker, folds, seed, trials[job.TrialNumber], stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // the budget ran out (or the experiment was cancelled) while waiting on the storage: just stop
            }
        }

        async Task RunFoldAsync(ISelectionStorage store, StoredFold job, string worker, (IDataView Train, IDataView Validation)[] folds, int seed,
            TrialResult trial, CancellationToken stop)
        {
            int k = folds.Length;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (owner._trialTimeout is TimeSpan timeout) cts.CancelAfter(timeout);
            await using var heartbeat = LeaseHeartbeat.Start(ct => store.RenewFoldLeaseAsync(job.Id, worker, owner._lease, ct), owner._lease, cts);
            using var memory = MemorySampler.Start();
            var context = new MLContext(seed + job.TrialNumber);
            var trialContext = new TrialContext(trial.TrialSettings, (_, _) => { }, (_, _) => { }, cts.Token);
            var clock = Stopwatch.StartNew();
            FoldOutcome outcome;
            try
            {
                var (value, _, model) = await OwnThreadWork.RunAsync(() => Evaluate(context, trial.TrialSettings.Parameter, [folds[job.Fold]], trialContext, report: false),
                    context, r => r.Model as IDisposable, cts.Token).ConfigureAwait(false);
                OwnThreadWork.Dispose(model);
                outcome = double.IsFinite(value)
                    ? new FoldOutcome(TrialStatus.Completed, value, clock.Elapsed, memory.Peak, null)
                    : new FoldOutcome(TrialStatus.Failed, double.NaN, clock.Elapsed, memory.Peak, StudyCheck.FoldError(job.Fold, k, $"The metric is {value}."));
            }
            catch (Exception e) when (stop.IsCancellationRequested && !heartbeat.Lost)
            {
                // the budget ended or the experiment was cancelled: the fold goes back to the queue for a later run
                _ = e;
                await heartbeat.StopAsync().ConfigureAwait(false);
                await store.RequeueFoldAsync(job.Id, worker, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception e)
            {
                string why = heartbeat.Lost ? "this worker lost its lease on the fold (another worker took it over)."
                    : cts.IsCancellationRequested ? $"timed out after {owner._trialTimeout?.TotalSeconds} s"
                    : $"{e.GetType().Name}: {e.Message}";
                outcome = new FoldOutcome(TrialStatus.Failed, double.NaN, clock.Elapsed, memory.Peak, StudyCheck.FoldError(job.Fold, k, why));
            }
            await heartbeat.StopAsync().ConfigureAwait(false);
            if (!heartbeat.Lost) await store.FinishFoldAsync(job.Id, worker, outcome, CancellationToken.None).ConfigureAwait(false);
        }

        string Worker(int slot) => $"{_process}/{slot}";

        /// <summary>Tells the tuner about finished trials it has not heard of (earlier runs, other workers).</summary>
        public async Task SyncTunerAsync(CancellationToken ct)
        {
            var trials = await storage.GetTrialsAsync(study.Id, ct).ConfigureAwait(false);
            lock (_tunerGate)
                foreach (var t in trials)
                    if (t.IsFinished && _told.Add(t.Number)) Learn(t.ToResult());
        }

        /// <summary>
        /// Learns from a finished trial: its cost (seconds per training row of its pipeline), and, for the first trial of
        /// a configuration only (a promotion repeats the configuration on more rows), the tuner. Call under the tuner's lock.
        /// </summary>
        void Learn(TrialResult r)
        {
            if (r.IsSuccess || r.Status == TrialStatus.Failed && r.Error is { } e && e.StartsWith("Timed out", StringComparison.Ordinal))
                _cost.Observe(r.Pipeline, RowsAt(r.Fidelity), r.Duration.TotalSeconds);
            if (_toldParameters.Add(r.TrialSettings.Parameter)) TellTuner(r);
        }

        void TellTuner(TrialResult r)
        {
            try { tuner.Update(r); }
            catch (ArgumentException) { /* a stored parameter outside today's space (the pipeline changed): nothing to learn */ }
        }

        /// <summary>
        /// The parameter of new trial <paramref name="number"/> at <paramref name="fidelity"/>, called under the storage's
        /// lock with every trial of the study: the tuner first hears of the finished ones it has not been told about
        /// (<see cref="Learn"/>) and of the running, queued and cancelled ones (pending: another worker's, or to be run
        /// again), then proposes; a proposal equal to a trial of the study (by parameter hash) is drawn again. Under a time
        /// budget, a proposal the cost model says cannot finish in the time left is told to the tuner as failed and
        /// skipped (up to 25 in a row). Null when the tuner is exhausted or the search stopped.
        /// </summary>
        (Parameter Parameter, string? Pipeline)? ProposeNew(int number, IReadOnlyList<StoredTrial> existing, double fidelity, CancellationToken stop)
        {
            lock (_tunerGate)
            {
                var taken = new HashSet<string>(StringComparer.Ordinal);
                foreach (var t in existing)
                {
                    taken.Add(t.ParameterHash);
                    if (t.IsFinished) { if (_told.Add(t.Number)) Learn(t.ToResult()); }
                    else if (!_told.Contains(t.Number) && !_toldParameters.Contains(t.Parameter)) TellPending(t);
                }
                int skips = 0;
                for (int draw = 0; draw < MaximumRedraws; draw++)
                {
                    Parameter p;
                    try { p = tuner.Propose(new TrialSettings { TrialId = number, Fidelity = fidelity, CancellationToken = stop }); }
                    catch (TunerExhaustedException e) { Exhausted = e.Message; return null; }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested) { return null; }
                    if (taken.Contains(p.Hash))
                    {
                        // a tuner that does not track pending trials proposed a parameter the study already has
                        tuner.AddPending(new TrialSettings { TrialId = --_phantom, Parameter = p });
                        continue;
                    }
                    string? description = pipeline.Describe(p);
                    if (skips >= 24 || !owner._skipUnaffordable || SecondsLeft() is not double left
                        || _cost.Predict(description, RowsAt(fidelity)) is not double predicted || predicted <= left)
                        return (p, description);
                    skips++;
                    Interlocked.Increment(ref _skipped);
                    TellTuner(new TrialResult
                    {
                        TrialSettings = new TrialSettings { TrialId = number, Parameter = p, Fidelity = fidelity }, Status = TrialStatus.Failed,
                        Error = FormattableString.Invariant($"Skipped: predicted {predicted:F0} s, {left:F0} s left."), Pipeline = description,
                    });
                    _toldParameters.Add(p);
                    taken.Add(p.Hash);
                }
                Exhausted = $"{MaximumRedraws} proposals in a row repeated parameters the study already has or could not finish in time";
                return null;
            }
        }

        const int MaximumRedraws = 100;
        int _phantom;

        void TellPending(StoredTrial t)
        {
            try { tuner.AddPending(new TrialSettings { TrialId = t.Number, Parameter = t.Parameter }); }
            catch (ArgumentException) { /* a stored parameter outside today's space (the pipeline changed) */ }
        }

        /// <summary>
        /// Successive halving: queues the next promotion due (<see cref="SuccessiveHalving.NextPromotion"/>) if its
        /// predicted cost fits the time left; true when one was queued. One worker of this process at a time.
        /// </summary>
        async Task<bool> PromoteAsync(CancellationToken stop)
        {
            if (Rungs.Length < 2) return false;
            await _promotionGate.WaitAsync(stop).ConfigureAwait(false);
            try
            {
                var trials = await storage.GetTrialsAsync(study.Id, stop).ConfigureAwait(false);
                if (owner._maxTrials is int max && trials.Count >= max) return false;
                var next = owner._halving!.NextPromotion(trials, Rungs, (t, f) =>
                {
                    if (!owner._skipUnaffordable || SecondsLeft() is not double left || _cost.Predict(t.Pipeline, RowsAt(f)) is not double predicted || predicted <= left)
                        return true;
                    Interlocked.Increment(ref _skipped);
                    return false;
                });
                if (next is not { } promotion) return false;
                await storage.EnqueueTrialAsync(study.Id, promotion.Trial.Parameter, promotion.Trial.Pipeline, promotion.Fidelity, stop).ConfigureAwait(false);
                return true;
            }
            finally { _promotionGate.Release(); }
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
                if (selection is not null && await selection.GetSelectionAsync(study.Id, stop).ConfigureAwait(false) is not null)
                {
                    SelectionStarted = true; // another worker got there first: the search is over for this study
                    return;
                }
                var trial = await storage.ClaimTrialAsync(study.Id, worker, owner._lease, owner._maxAttempts, stop).ConfigureAwait(false);
                if (trial is null)
                {
                    if (await PromoteAsync(stop).ConfigureAwait(false)) continue; // queued: claimed on the next turn
                    double fidelity = Rungs[0];
                    trial = await storage.CreateTrialAsync(study.Id, owner._maxTrials, (number, existing) => ProposeNew(number, existing, fidelity, stop),
                        worker, owner._lease, fidelity, stop).ConfigureAwait(false);
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
            var settings = new TrialSettings { TrialId = trial.Number, Parameter = trial.Parameter, Fidelity = trial.Fidelity, StartedAtUtc = DateTimeOffset.UtcNow };
            owner.TrialStarted?.Invoke(owner, settings);
            using var trialCts = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (owner._trialTimeout is TimeSpan timeout) trialCts.CancelAfter(timeout);
            await using var heartbeat = LeaseHeartbeat.Start(ct => storage.RenewLeaseAsync(trial.Id, worker, owner._lease, ct), owner._lease, trialCts);
            using var memory = MemorySampler.Start();
            var clock = Stopwatch.StartNew();
            var context = new MLContext(TrialSeeds.For(owner._seed, trial.Parameter));
            TrialResult result;
            ITransformer? model = null;
            try
            {
                var trialContext = new TrialContext(settings, (step, value) => Report(trial, step, metric.ToLoss(value), value, trialCts.Token),
                    (step, loss) => Report(trial, step, loss, loss, trialCts.Token), trialCts.Token);
                var (value, folds, m) = await OwnThreadWork.RunAsync(() => Evaluate(context, trial.Parameter, SplitsAt(trial.Fidelity), trialContext), context,
                    r => r.Model as IDisposable, trialCts.Token).ConfigureAwait(false);
                model = m;
                bool ok = double.IsFinite(value);
                result = Result(settings, trial, ok ? TrialStatus.Completed : TrialStatus.Failed, clock.Elapsed, memory.Peak,
                    value, folds, ok ? null : $"The metric is {value}.", model);
            }
            catch (TrialPrunedException e)
            {
                result = Result(settings, trial, TrialStatus.Pruned, clock.Elapsed, memory.Peak, double.NaN, [], e.Message, null);
            }
            catch (Exception e) when (trialCts.IsCancellationRequested && !heartbeat.Lost && stop.IsCancellationRequested)
            {
                // the budget ended or the experiment was cancelled: recorded as cancelled with how long it ran (a
                // resumed study runs it again); a trainer that ignores the cancellation is abandoned, its result discarded
                var ran = clock.Elapsed;
                bool stopped = await OwnThreadWork.StoppedAsync(e, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                string why = UserCancellation.IsCancellationRequested ? "the experiment was cancelled" : "the time budget ended";
                string training = stopped ? "its training stopped" : "its training did not stop within a second and was abandoned (whatever it produces is discarded)";
                result = Result(settings, trial, TrialStatus.Cancelled, ran, memory.Peak, double.NaN, [],
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Stopped after {ran.TotalSeconds:F1} s: {why}; {training}. A resumed study runs it again."), null);
            }
            catch (Exception e)
            {
                string error = heartbeat.Lost ? "This worker lost its lease on the trial (another worker took it over)."
                    : trialCts.IsCancellationRequested ? $"Timed out after {owner._trialTimeout?.TotalSeconds} s (training cancelled; a trainer that does not stop at once is left to finish on its own thread, its model discarded)."
                    : $"{e.GetType().Name}: {e.Message}";
                result = Result(settings, trial, TrialStatus.Failed, clock.Elapsed, memory.Peak, double.NaN, [], error, null);
            }
            await heartbeat.StopAsync().ConfigureAwait(false);
            if (heartbeat.Lost) { OwnThreadWork.Dispose(model); return; }
            if (!await storage.FinishTrialAsync(trial.Id, worker, result, CancellationToken.None).ConfigureAwait(false))
                OwnThreadWork.Dispose(model);
            else
            {
                if (result.Status != TrialStatus.Cancelled)
                    lock (_tunerGate)
                        if (_told.Add(trial.Number)) Learn(result);
                bool kept = false;
                try
                {
                    owner.TrialCompleted?.Invoke(owner, result);
                    // only a full-fidelity trial trained on the rows the final model would be refitted on
                    kept = result.IsSuccess && trial.Fidelity >= 1 && KeepIfBest(trial.Number, result.Loss, model);
                }
                finally { if (!kept) OwnThreadWork.Dispose(model); } // only the best model (or the refitted one) is kept
                Results[trial.Number] = new TrialResult
                {
                    TrialSettings = result.TrialSettings, Status = result.Status, Metric = result.Metric, Loss = result.Loss,
                    FoldMetrics = result.FoldMetrics, Duration = result.Duration, PeakMemoryBytes = result.PeakMemoryBytes,
                    Error = result.Error, Pipeline = result.Pipeline, Fidelity = result.Fidelity, // the model is not kept: only the refitted best one is
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
            Fidelity = trial.Fidelity,
        };

        string? SafeDescribe(Parameter p)
        {
            try { return pipeline.Describe(p); } catch (ArgumentException) { return null; }
        }

        /// <summary>
        /// Fits and scores <paramref name="parameter"/> on each split; returns the mean, the per-fold values (none for
        /// one split) and the last fold's model (the others are disposed).
        /// </summary>
        public (double Metric, IReadOnlyList<double> Folds, ITransformer Model) Evaluate(MLContext context, Parameter parameter,
            (IDataView Train, IDataView Validation)[] folds, TrialContext trial, bool report = true)
        {
            var values = new List<double>();
            ITransformer? model = null;
            for (int f = 0; f < folds.Length; f++)
            {
                trial.CancellationToken.ThrowIfCancellationRequested();
                OwnThreadWork.Dispose(model);
                model = null;
                model = pipeline.Fit(context, parameter, folds[f].Train, trial);
                try
                {
                    values.Add(metric.Evaluate(context, model.Transform(folds[f].Validation)));
                    if (report && folds.Length > 1) trial.Report(f + 1, values.Average());
                }
                catch
                {
                    OwnThreadWork.Dispose(model);
                    throw;
                }
            }
            return (values.Average(), folds.Length > 1 ? values : [], model!);
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
