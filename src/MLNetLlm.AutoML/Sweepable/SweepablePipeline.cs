using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Sweepable;

/// <summary>
/// Stages in order, each a single <see cref="SweepableEstimator"/> or a one-of choice among several (e.g. cleaning
/// variants × featurizer × {SDCA, LightGBM, FastTree}). Its <see cref="SearchSpace"/> nests every stage's space under
/// the stage's key (a one-of stage becomes a conditional <see cref="OneOfOption"/>), so tuners search the whole
/// pipeline at once. Training-only row steps take part in the search but stay out of the fitted model; wrapper stages
/// (<see cref="SweepableEstimator.CreateWrapper{TOptions}"/>) replace the estimator of the stage before them.
/// </summary>
/// <example>
/// <code>
/// var pipeline = new SweepablePipeline()
///     .Append(auto.FeaturizeText("Features", "Text"))
///     .AppendCacheCheckpoint()
///     .Append(auto.SdcaLogisticRegression(), auto.LightGbmBinary(), auto.FastTreeBinary());
/// </code>
/// </example>
public sealed class SweepablePipeline
{
    readonly List<(string Key, SweepableEstimator[] Alternatives)> _stages = [];

    /// <summary>Appends a stage; several alternatives make it a one-of choice.</summary>
    public SweepablePipeline Append(params SweepableEstimator[] alternatives)
    {
        ArgumentNullException.ThrowIfNull(alternatives);
        if (alternatives.Length == 0) throw new ArgumentException("A stage needs at least one estimator.", nameof(alternatives));
        if (alternatives.Any(a => a is null)) throw new ArgumentException("A stage alternative is null.", nameof(alternatives));
        var dup = alternatives.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Two alternatives of one stage are named '{dup.Key}'.", nameof(alternatives));
        string key = string.Join("|", alternatives.Select(a => a.Name));
        string unique = key;
        for (int n = 2; _stages.Any(s => s.Key == unique); n++) unique = $"{key}#{n}";
        _stages.Add((unique, alternatives));
        return this;
    }

    /// <summary>Appends a fixed ML.NET estimator (nothing to search).</summary>
    public SweepablePipeline Append(IEstimator<ITransformer> estimator, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        return Append(SweepableEstimator.Fixed(name ?? estimator.GetType().Name, _ => estimator));
    }

    /// <summary>
    /// Appends <see cref="SweepableEstimator.CacheCheckpoint"/>: the trainers after it read cached rows instead of
    /// re-running the stages before it on every pass over the data.
    /// </summary>
    public SweepablePipeline AppendCacheCheckpoint() => Append(SweepableEstimator.CacheCheckpoint());

    /// <summary>The number of stages.</summary>
    public int StageCount => _stages.Count;

    /// <summary>The whole pipeline's space: one entry per stage, keyed by its name (alternatives joined with '|').</summary>
    public SearchSpace SearchSpace
    {
        get
        {
            var space = new SearchSpace();
            foreach (var (key, alts) in _stages)
                space[key] = alts.Length == 1
                    ? alts[0].SearchSpace
                    : new OneOfOption(alts.Select(a => KeyValuePair.Create(a.Name, (SearchSpaceOption)a.SearchSpace)));
            return space;
        }
    }

    /// <summary>The stages a parameter picks, with each one's own parameter.</summary>
    public IReadOnlyList<(SweepableEstimator Stage, Parameter Parameter)> Resolve(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (_stages.Count == 0) throw new InvalidOperationException("The pipeline has no stages; Append at least one estimator.");
        var list = new List<(SweepableEstimator, Parameter)>();
        foreach (var (key, alts) in _stages)
        {
            if (!parameter.TryGetValue(key, out var p)) throw new ArgumentException($"Parameter {parameter} has no stage '{key}'.", nameof(parameter));
            if (alts.Length == 1) { list.Add((alts[0], p)); continue; }
            string chosen = p[OneOfOption.ChoiceKey].AsString();
            var alt = alts.FirstOrDefault(a => a.Name == chosen)
                ?? throw new ArgumentException($"Stage '{key}' has no alternative '{chosen}'.", nameof(parameter));
            list.Add((alt, p[chosen]));
        }
        return list;
    }

    /// <summary>"featurize ⇒ sdca": the stages a parameter picks (skipped stages left out).</summary>
    public string Describe(Parameter parameter) => string.Join(" ⇒ ", Resolve(parameter).Select(s => s.Stage.Name));

    /// <summary>
    /// Fits the pipeline a parameter picks on <paramref name="trainingData"/>: training-only row steps change the rows
    /// seen by the stages after them; estimator stages are fitted in order, each on the output of the previous ones.
    /// The model holds the fitted estimators only. With a <paramref name="trial"/>, every stage reads its rows through
    /// cursors that throw <see cref="OperationCanceledException"/> once the trial's token fires, so trainers stop
    /// in every phase that reads rows (LightGBM copying rows into its native dataset included).
    /// </summary>
    public ITransformer Fit(MLContext context, Parameter parameter, IDataView trainingData, TrialContext? trial = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(trainingData);
        var stages = Resolve(parameter);
        var token = trial?.CancellationToken ?? CancellationToken.None; // trainers reading rows stop when it fires
        var fitted = new List<ITransformer>();
        IDataView data = trainingData;
        var pendingEstimators = new List<IEstimator<ITransformer>>();
        bool previousAdded = false;
        for (int i = 0; i < stages.Count; i++)
        {
            var (stage, p) = stages[i];
            if (stage.IsTrainingRowStep)
            {
                previousAdded = false;
                // fit what comes before the row step, so the step sees the data as it is at this point
                data = FitPending(pendingEstimators, fitted, data);
                // a step reading transformed rows (a cache filling itself) stops with the trial; the raw rows are cheap to read
                data = stage.ApplyToTrainingData(context, p, ReferenceEquals(data, trainingData) ? data : CancellableData.Wrap(data, token));
                continue;
            }
            if (stage.IsWrapper)
            {
                // it wraps the estimator the stage just before it added (a skipped stage or a row step adds none)
                if (!previousAdded)
                    throw new InvalidOperationException($"Stage '{stage.Name}' wraps the estimator of the stage before it, but {(i == 0 ? "it is the first stage" : $"stage '{stages[i - 1].Stage.Name}' adds none")}.");
                pendingEstimators[^1] = stage.Wrap(context, p, pendingEstimators[^1]);
                continue;
            }
            var estimator = stage.BuildEstimator(context, p, trial);
            if (estimator is not null) pendingEstimators.Add(CancellableData.Wrap(estimator, token));
            previousAdded = estimator is not null;
        }
        FitPending(pendingEstimators, fitted, data, transform: false);
        return new TransformerChain<ITransformer>(fitted.ToArray());
    }

    static IDataView FitPending(List<IEstimator<ITransformer>> pending, List<ITransformer> fitted, IDataView data, bool transform = true)
    {
        if (pending.Count == 0) return data;
        var chain = new EstimatorChain<ITransformer>();
        foreach (var e in pending) chain = chain.Append(e);
        pending.Clear();
        var model = chain.Fit(data);
        fitted.Add(model);
        return transform ? model.Transform(data) : data;
    }
}
