using Microsoft.ML;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Sweepable;

/// <summary>
/// A pipeline stage with a search space: a factory from (context, options) to an ML.NET estimator, or a
/// training-only row step (cleaning, augmentation, balancing) that changes the training rows and is left out of the
/// final model. Combine stages and one-of alternatives with <see cref="SweepablePipeline"/>.
/// </summary>
/// <example>
/// <code>
/// var sdca = SweepableEstimator.Create&lt;SdcaOptions&gt;("sdca",
///     (ctx, o) =&gt; ctx.BinaryClassification.Trainers.SdcaLogisticRegression(l2Regularization: o.L2, l1Regularization: o.L1));
/// </code>
/// </example>
public sealed class SweepableEstimator
{
    readonly Func<MLContext, Parameter, TrialContext?, IEstimator<ITransformer>?>? _estimator;
    readonly Func<MLContext, Parameter, IDataView, IDataView>? _rowStep;

    SweepableEstimator(string name, SearchSpace space,
        Func<MLContext, Parameter, TrialContext?, IEstimator<ITransformer>?>? estimator,
        Func<MLContext, Parameter, IDataView, IDataView>? rowStep)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A sweepable stage needs a name.", nameof(name));
        Name = name;
        SearchSpace = space;
        _estimator = estimator;
        _rowStep = rowStep;
    }

    /// <summary>The stage's name (shown in leaderboards and used as its key in parameters).</summary>
    public string Name { get; }

    /// <summary>The stage's search space (empty for a fixed stage).</summary>
    public SearchSpace SearchSpace { get; }

    /// <summary>Whether the stage changes training rows only, instead of adding an estimator to the model.</summary>
    public bool IsTrainingRowStep => _rowStep is not null;

    /// <summary>
    /// A stage from an estimator factory and the search space of its options (by default read from
    /// <typeparamref name="TOptions"/>'s attributes).
    /// </summary>
    public static SweepableEstimator Create<TOptions>(string name, Func<MLContext, TOptions, IEstimator<ITransformer>> factory,
        SearchSpace? searchSpace = null) where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(factory);
        return Create<TOptions>(name, (ctx, o, _) => factory(ctx, o), searchSpace);
    }

    /// <summary>
    /// Like <see cref="Create{TOptions}(string, Func{MLContext, TOptions, IEstimator{ITransformer}}, SearchSpace?)"/>, the
    /// factory also getting the running trial, so an iterative trainer can report intermediate metrics to the pruner
    /// (<see cref="TrialContext.Report"/>). The trial is null when the final model is refitted.
    /// </summary>
    public static SweepableEstimator Create<TOptions>(string name, Func<MLContext, TOptions, TrialContext?, IEstimator<ITransformer>> factory,
        SearchSpace? searchSpace = null) where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(factory);
        var space = searchSpace ?? new SearchSpace<TOptions>();
        return new SweepableEstimator(name, space, (ctx, p, trial) => factory(ctx, Bind<TOptions>(name, p), trial), null);
    }

    /// <summary>A stage with nothing to search.</summary>
    public static SweepableEstimator Fixed(string name, Func<MLContext, IEstimator<ITransformer>> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new SweepableEstimator(name, new SearchSpace(), (ctx, _, _) => factory(ctx), null);
    }

    /// <summary>A stage that does nothing: as one alternative of several, it makes a step optional.</summary>
    public static SweepableEstimator Skip(string name = "none") => new(name, new SearchSpace(), (_, _, _) => null, null);

    /// <summary>
    /// A training-only row step: <paramref name="apply"/> transforms the training rows of each trial (and of the final
    /// refit) before the following stages are fitted; validation data and the final model never see it.
    /// </summary>
    public static SweepableEstimator CreateTrainingRowStep<TOptions>(string name, Func<MLContext, TOptions, IDataView, IDataView> apply,
        SearchSpace? searchSpace = null) where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(apply);
        var space = searchSpace ?? new SearchSpace<TOptions>();
        return new SweepableEstimator(name, space, null, (ctx, p, data) => apply(ctx, Bind<TOptions>(name, p), data));
    }

    /// <summary>
    /// A training-only step that caches the training rows as they are at this point (typically the features, right
    /// before the trainer), so iterative trainers such as SDCA or LightGBM do not recompute the featurization on every
    /// pass. Nothing to search; it stays out of the fitted model. ML.NET's <c>AppendCacheCheckpoint</c> for pipelines.
    /// </summary>
    public static SweepableEstimator CacheCheckpoint() =>
        CreateTrainingRowStep<NoOptions>("cache", (ctx, _, data) => ctx.Data.Cache(data));

    sealed class NoOptions;

    static T Bind<T>(string name, Parameter p) where T : class, new()
    {
        try { return p.AsType<T>(); }
        catch (ArgumentException e) { throw new ArgumentException($"Stage '{name}': {e.Message}", e); }
    }

    /// <summary>The estimator for a parameter of <see cref="SearchSpace"/> (null for a skipped stage or a row step).</summary>
    public IEstimator<ITransformer>? BuildEstimator(MLContext context, Parameter parameter, TrialContext? trial = null) =>
        _estimator?.Invoke(context, parameter, trial);

    /// <summary>Applies a row step to training data (returns <paramref name="data"/> unchanged for an estimator stage).</summary>
    public IDataView ApplyToTrainingData(MLContext context, Parameter parameter, IDataView data) =>
        _rowStep is null ? data : _rowStep(context, parameter, data);
}
