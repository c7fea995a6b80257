using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Microsoft.ML.Transforms.Text;
using MLNetLlm.AutoML.DefaultSpaces;
using MLNetLlm.Data;
using MLNetLlm.Data.Balancing;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Sweepable;

namespace MLNetLlm.AutoML;

/// <summary>
/// AutoML from <c>mlContext.Llm().Auto()</c>: experiments, and sweepable versions of ML.NET's trainers and text
/// featurizer with default search spaces (<see cref="SdcaSearchOptions"/>, <see cref="LightGbmSearchOptions"/>,
/// <see cref="FastTreeSearchOptions"/>, <see cref="TextFeaturizerSearchOptions"/>). Every method takes an optional
/// search space to replace the default one. Trials are reproducible: a trainer's thread count is always pinned
/// (<c>numberOfThreads</c>; by default 1 for SDCA, whose multi-threaded updates depend on thread timing, and the
/// machine's core count for LightGBM and FastTree) and its random numbers come from the trial's seeded context, so the
/// same parameter and seed give the same model and metric in any trial or process. Set <c>numberOfThreads</c> to 1
/// for the tree learners when trials run in parallel. The transformer stages (fine-tuning, compression, sentence
/// embeddings) are extension methods of the MLNetLlm.AutoML.Torch package (<c>using MLNetLlm.AutoML.Torch;</c>), so
/// this package has no TorchSharp dependency.
/// </summary>
public sealed class AutoCatalog
{
    internal AutoCatalog(MLContext context) => Context = context;

    /// <summary>The context experiments run on.</summary>
    public MLContext Context { get; }

    /// <summary>A new experiment.</summary>
    /// <example><code>var result = await mlContext.Llm().Auto().CreateExperiment().SetPipeline(p).SetDataset(train, valid).SetMaxTrials(20).RunAsync();</code></example>
    public AutoMLExperiment CreateExperiment() => new(Context);

    /// <summary>FeaturizeText with searched n-gram lengths, weighting, norm and stop-word removal.</summary>
    public SweepableEstimator FeaturizeText(string outputColumnName = "Features", string inputColumnName = "Text", SearchSpaces.SearchSpace? searchSpace = null) =>
        SweepableEstimator.Create<TextFeaturizerSearchOptions>("featurize_text", (ctx, o) => TextFeaturizer(ctx, o, outputColumnName, inputColumnName), searchSpace);

    /// <summary>The FeaturizeText estimator of a point of <see cref="TextFeaturizerSearchOptions"/>.</summary>
    internal static IEstimator<ITransformer> TextFeaturizer(MLContext ctx, TextFeaturizerSearchOptions o, string outputColumnName, string inputColumnName)
    {
        var weighting = Enum.Parse<NgramExtractingEstimator.WeightingCriteria>(o.Weighting, ignoreCase: true);
        var options = new TextFeaturizingEstimator.Options
        {
            Norm = Enum.Parse<TextFeaturizingEstimator.NormFunction>(o.Norm, ignoreCase: true),
            WordFeatureExtractor = new WordBagEstimator.Options
            {
                NgramLength = o.WordNgramLength, UseAllLengths = true, Weighting = weighting,
                MaximumNgramsCount = Enumerable.Repeat(o.MaximumNgramsCount, o.WordNgramLength).ToArray(),
            },
            CharFeatureExtractor = o.CharNgramLength == 0 ? null : new WordBagEstimator.Options
            {
                NgramLength = o.CharNgramLength, UseAllLengths = false, Weighting = weighting, MaximumNgramsCount = [o.MaximumNgramsCount],
            },
            StopWordsRemoverOptions = o.RemoveStopWords ? new StopWordsRemovingEstimator.Options() : null,
        };
        return ctx.Transforms.Text.FeaturizeText(outputColumnName, options, inputColumnName);
    }

    /// <summary>
    /// MLNetLlm's text normaliser (a model stage, so it also runs at prediction time) with searched cleaning switches
    /// (<see cref="TextNormalizerSearchOptions"/>).
    /// </summary>
    public SweepableEstimator NormalizeText(string outputColumnName = "Text", string? inputColumnName = null, SearchSpaces.SearchSpace? searchSpace = null) =>
        SweepableEstimator.Create<TextNormalizerSearchOptions>("normalize", (ctx, o) => ctx.Llm().NormalizeText(outputColumnName, inputColumnName,
            new TextNormalizerOptions
            {
                CaseFolding = o.CaseFolding, StripHtml = o.StripHtml, StripEmailHeaders = o.StripEmailHeaders, MaskUrls = o.MaskUrls,
                MaskEmails = o.MaskEmails, MaskNumbers = o.MaskNumbers, RemoveSymbols = o.RemoveSymbols,
            }), searchSpace);

    /// <summary>
    /// Near-duplicate removal as a training-only row step, searched over MLNetLlm.Data's own
    /// <see cref="DeduplicationOptions"/> attributes (permutations, Jaccard threshold, shingle unit and size).
    /// Validation data and the final model never see it. A sampled setting that would drop more than
    /// <see cref="DeduplicationMaxRemovedFraction"/> of the training rows fails its trial with a message naming the
    /// counts (1–2-character shingles, for one, make nearly every long text a near duplicate).
    /// </summary>
    public SweepableEstimator Deduplicate(string textColumnName = "Text", SearchSpaces.SearchSpace? searchSpace = null) =>
        TrainingRowOperation<DeduplicationOptions>("deduplicate", (ctx, o) =>
        {
            o.TextColumnName = textColumnName;
            o.MaxRemovedFraction = DeduplicationMaxRemovedFraction;
            return ctx.Llm().Deduplicate(o);
        }, searchSpace);

    /// <summary>The largest share of the training rows a searched <see cref="Deduplicate"/> may drop: 0.5.</summary>
    public const double DeduplicationMaxRemovedFraction = 0.5;

    /// <summary>
    /// Random oversampling of the smaller classes as a training-only row step (MLNetLlm.Data's
    /// <see cref="BalanceMethod.RandomOversample"/>: rows of the smaller classes repeated at random), searched over the
    /// target ratio of each class to the largest one in [0.3, 1] (default 1: classes equal). Validation data and the
    /// final model never see it.
    /// </summary>
    public SweepableEstimator Oversample(string labelColumnName = "Label", SearchSpaces.SearchSpace? searchSpace = null) =>
        TrainingRowOperation<BalanceOptions>("oversample", (ctx, o) =>
        {
            o.LabelColumn = labelColumnName;
            o.Method = BalanceMethod.RandomOversample;
            return ctx.Llm().Balance(o);
        }, searchSpace ?? new SearchSpaces.SearchSpace { ["TargetRatio"] = new SearchSpaces.UniformDoubleOption(0.3, 1.0, defaultValue: 1.0) });

    /// <summary>
    /// Any MLNetLlm.Data row operation (deduplication, balancing, augmentation, …) as a training-only, searched
    /// pipeline stage: <paramref name="factory"/> makes the operation from options sampled from
    /// <typeparamref name="TOptions"/>'s search attributes (or <paramref name="searchSpace"/>).
    /// </summary>
    public SweepableEstimator TrainingRowOperation<TOptions>(string name, Func<MLContext, TOptions, IRowOperation> factory, SearchSpaces.SearchSpace? searchSpace = null)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(factory);
        return SweepableEstimator.CreateTrainingRowStep<TOptions>(name, (ctx, o, data) => RowOperationRunner.Apply(data, factory(ctx, o)).Data, searchSpace);
    }

    /// <summary>SDCA logistic regression (binary; Boolean label).</summary>
    public SweepableEstimator SdcaLogisticRegression(string labelColumnName = "Label", string featureColumnName = "Features", int? numberOfThreads = null, SearchSpaces.SearchSpace? searchSpace = null) =>
        SweepableEstimator.Create<SdcaSearchOptions>("sdca", (ctx, o) => ctx.BinaryClassification.Trainers.SdcaLogisticRegression(
            new SdcaLogisticRegressionBinaryTrainer.Options
            {
                LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, L2Regularization = o.L2,
                L1Regularization = o.L1, MaximumNumberOfIterations = o.Iterations, NumberOfThreads = SdcaThreads(numberOfThreads),
            }), searchSpace);

    /// <summary>SDCA maximum entropy (multiclass; key label).</summary>
    public SweepableEstimator SdcaMaximumEntropy(string labelColumnName = "Label", string featureColumnName = "Features", int? numberOfThreads = null, SearchSpaces.SearchSpace? searchSpace = null) =>
        SweepableEstimator.Create<SdcaSearchOptions>("sdca_maxent", (ctx, o) => ctx.MulticlassClassification.Trainers.SdcaMaximumEntropy(
            new SdcaMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, L2Regularization = o.L2,
                L1Regularization = o.L1, MaximumNumberOfIterations = o.Iterations, NumberOfThreads = SdcaThreads(numberOfThreads),
            }), searchSpace);

    /// <summary>SDCA regression.</summary>
    public SweepableEstimator SdcaRegression(string labelColumnName = "Label", string featureColumnName = "Features", int? numberOfThreads = null, SearchSpaces.SearchSpace? searchSpace = null) =>
        SweepableEstimator.Create<SdcaSearchOptions>("sdca_regression", (ctx, o) => ctx.Regression.Trainers.Sdca(
            new SdcaRegressionTrainer.Options
            {
                LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, L2Regularization = o.L2,
                L1Regularization = o.L1, MaximumNumberOfIterations = o.Iterations, NumberOfThreads = SdcaThreads(numberOfThreads),
            }), searchSpace);

    /// <summary>SDCA's thread count: as given, else 1 (with more, its result depends on how the threads interleave).</summary>
    static int SdcaThreads(int? threads) => threads ?? 1;

    /// <summary>A tree learner's thread count: as given, else the machine's cores (what the trainers would pick), pinned for the whole trial.</summary>
    static int TreeThreads(int? threads) => threads ?? Environment.ProcessorCount;

    /// <summary>LightGBM binary classification; <c>selectFeatures</c> puts a feature selection to the searched <c>MaximumFeatures</c> in front (for sparse n-gram features).</summary>
    public SweepableEstimator LightGbmBinary(string labelColumnName = "Label", string featureColumnName = "Features", int? numberOfThreads = null, SearchSpaces.SearchSpace? searchSpace = null,
        bool selectFeatures = false) =>
        Trees<LightGbmSearchOptions>("lightgbm", (ctx, o) => Capped(o.MinimumExampleCountPerLeaf, leaf => ctx.BinaryClassification.Trainers.LightGbm(
            Fill(new LightGbmBinaryTrainer.Options(), o, labelColumnName, featureColumnName, numberOfThreads, leaf))), o => o.MaximumFeatures, labelColumnName, featureColumnName, selectFeatures, searchSpace);

    /// <summary>LightGBM multiclass classification; <c>selectFeatures</c> puts a feature selection to the searched <c>MaximumFeatures</c> in front (for sparse n-gram features).</summary>
    public SweepableEstimator LightGbmMulticlass(string labelColumnName = "Label", string featureColumnName = "Features", int? numberOfThreads = null, SearchSpaces.SearchSpace? searchSpace = null,
        bool selectFeatures = false) =>
        Trees<LightGbmSearchOptions>("lightgbm_multiclass", (ctx, o) => Capped(o.MinimumExampleCountPerLeaf, leaf => ctx.MulticlassClassification.Trainers.LightGbm(
            Fill(new LightGbmMulticlassTrainer.Options(), o, labelColumnName, featureColumnName, numberOfThreads, leaf))), o => o.MaximumFeatures, labelColumnName, featureColumnName, selectFeatures, searchSpace);

    /// <summary>LightGBM regression; <c>selectFeatures</c> puts a feature selection to the searched <c>MaximumFeatures</c> in front (for sparse n-gram features).</summary>
    public SweepableEstimator LightGbmRegression(string labelColumnName = "Label", string featureColumnName = "Features", int? numberOfThreads = null, SearchSpaces.SearchSpace? searchSpace = null,
        bool selectFeatures = false) =>
        Trees<LightGbmSearchOptions>("lightgbm_regression", (ctx, o) => Capped(o.MinimumExampleCountPerLeaf, leaf => ctx.Regression.Trainers.LightGbm(
            Fill(new LightGbmRegressionTrainer.Options(), o, labelColumnName, featureColumnName, numberOfThreads, leaf))), o => o.MaximumFeatures, labelColumnName, featureColumnName, selectFeatures, searchSpace);

    /// <summary>
    /// A tree trainer's stage; with <paramref name="selectFeatures"/>, <see cref="TreeFeatureSelection"/> to the
    /// searched <c>MaximumFeatures</c> goes in front of the trainer (and is part of the model), else that option is
    /// left out of the default space.
    /// </summary>
    static SweepableEstimator Trees<TOptions>(string name, Func<MLContext, TOptions, IEstimator<ITransformer>> trainer, Func<TOptions, int> maximumFeatures,
        string label, string features, bool selectFeatures, SearchSpaces.SearchSpace? searchSpace) where TOptions : class, new()
    {
        if (searchSpace is null && !selectFeatures)
        {
            searchSpace = new SearchSpaces.SearchSpace();
            foreach (var (key, option) in new SearchSpaces.SearchSpace<TOptions>())
                if (key != nameof(LightGbmSearchOptions.MaximumFeatures)) searchSpace[key] = option;
        }
        return SweepableEstimator.Create<TOptions>(name, (ctx, o) => selectFeatures
            ? TreeFeatureSelection.Create(ctx, features, label, maximumFeatures(o)).Append(trainer(ctx, o))
            : trainer(ctx, o), searchSpace);
    }

    internal static T Fill<T>(T options, LightGbmSearchOptions o, string label, string features, int? threads, int? minimumExampleCountPerLeaf = null) where T : TrainerInputBaseWithGroupId
    {
        // LightGBM's options share a base class generic in the trainer type, so the fields are set by name
        options.LabelColumnName = label;
        options.FeatureColumnName = features;
        Set(options, "NumberOfIterations", o.NumberOfIterations);
        Set(options, "NumberOfLeaves", (int?)o.NumberOfLeaves);
        Set(options, "MinimumExampleCountPerLeaf", (int?)(minimumExampleCountPerLeaf ?? o.MinimumExampleCountPerLeaf));
        Set(options, "LearningRate", (double?)o.LearningRate);
        Set(options, "NumberOfThreads", (int?)TreeThreads(threads));
        // the same trial gives the same model under any load: left to itself LightGBM times row- and column-wise
        // histograms and takes the faster, and its threads' sums are ordered only when asked
        Set(options, "ForceColumnWise", true);
        Set(options, "Deterministic", true);
        Set(options, "Booster", new GradientBooster.Options { L2Regularization = o.L2Regularization, FeatureFraction = o.FeatureFraction });
        return options;
    }

    /// <summary>LightGBM with its minimum rows per leaf as an upper bound (see <see cref="LeafSizeCappedTrainer"/>).</summary>
    static IEstimator<ITransformer> Capped(int minimumExampleCountPerLeaf, Func<int, IEstimator<ITransformer>> create) =>
        new LeafSizeCappedTrainer(create, minimumExampleCountPerLeaf);

    static void Set(object target, string field, object? value)
    {
        var type = target.GetType();
        if (type.GetField(field) is { } f) f.SetValue(target, value);
        else if (type.GetProperty(field) is { CanWrite: true } p) p.SetValue(target, value);
        else throw new MissingMemberException(type.Name, field);
    }

    /// <summary>FastTree binary classification; <c>selectFeatures</c> puts a feature selection to the searched <c>MaximumFeatures</c> in front (for sparse n-gram features).</summary>
    public SweepableEstimator FastTreeBinary(string labelColumnName = "Label", string featureColumnName = "Features", int? numberOfThreads = null, SearchSpaces.SearchSpace? searchSpace = null,
        bool selectFeatures = false) =>
        Trees<FastTreeSearchOptions>("fasttree", (ctx, o) => ctx.BinaryClassification.Trainers.FastTree(
            Fill(new FastTreeBinaryTrainer.Options(), o, labelColumnName, featureColumnName, numberOfThreads)), o => o.MaximumFeatures, labelColumnName, featureColumnName, selectFeatures, searchSpace);

    /// <summary>FastTree regression; <c>selectFeatures</c> puts a feature selection to the searched <c>MaximumFeatures</c> in front (for sparse n-gram features).</summary>
    public SweepableEstimator FastTreeRegression(string labelColumnName = "Label", string featureColumnName = "Features", int? numberOfThreads = null, SearchSpaces.SearchSpace? searchSpace = null,
        bool selectFeatures = false) =>
        Trees<FastTreeSearchOptions>("fasttree_regression", (ctx, o) => ctx.Regression.Trainers.FastTree(
            Fill(new FastTreeRegressionTrainer.Options(), o, labelColumnName, featureColumnName, numberOfThreads)), o => o.MaximumFeatures, labelColumnName, featureColumnName, selectFeatures, searchSpace);

    internal static T Fill<T>(T options, FastTreeSearchOptions o, string label, string features, int? threads) where T : BoostedTreeOptions
    {
        options.LabelColumnName = label;
        options.FeatureColumnName = features;
        options.NumberOfTrees = o.NumberOfTrees;
        options.NumberOfLeaves = o.NumberOfLeaves;
        options.MinimumExampleCountPerLeaf = o.MinimumExampleCountPerLeaf;
        options.LearningRate = o.LearningRate;
        options.FeatureFraction = o.FeatureFraction;
        options.NumberOfThreads = TreeThreads(threads);
        return options;
    }
}
