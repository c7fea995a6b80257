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
/// <see cref="SetCrossValidatedSelection"/>) is refitted on all training data with its trial's seed, or, when that refit
/// would train on the trial's own rows (<see cref="SetRefitOnValidationData"/> false), the best trial's own scored model
/// is returned. Trials train on threads of their own and read their rows through cursors that stop with them; they are
/// stopped at their time limit and at the end of the budget (recorded as <see cref="TrialStatus.Cancelled"/> with their
/// duration) even if the trainer does not stop, and their models are disposed once scored. No two trials of a study
/// share parameters (across resumes, threads and processes), and a trial's seed depends on its parameter only.
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
public sealed partial class AutoMLExperiment
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
    TimeSpan _maximumSkipTime = TimeSpan.FromSeconds(10);

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

    /// <summary>
    /// Stops starting trials after this many seconds and stops the running ones at once (recorded as
    /// <see cref="TrialStatus.Cancelled"/> with how long they ran; a resumed study runs them again).
    /// </summary>
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
    /// A new trial is proposed inside the trial storage's write transaction, which the other workers wait on, so the
    /// redrawing of one proposal stops after <paramref name="maximumSkipTime"/> (default 10 s) and the last proposal runs
    /// (the budget then cuts it): near the end of a budget every configuration is unaffordable, and a tuner proposing
    /// slowly would otherwise hold the lock past SQLite's 30 s busy timeout.
    /// </summary>
    public AutoMLExperiment SetCostAwareness(bool skipUnaffordable, TimeSpan? maximumSkipTime = null)
    {
        if (maximumSkipTime is { } m && m < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(maximumSkipTime), m, "Must not be negative.");
        _skipUnaffordable = skipUnaffordable;
        _maximumSkipTime = maximumSkipTime ?? TimeSpan.FromSeconds(10);
        return this;
    }
}
