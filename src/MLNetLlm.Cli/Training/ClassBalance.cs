using MLNetLlm.AutoML;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.Data;
using MLNetLlm.Data.Balancing;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// <c>--balance none|oversample|undersample|smote</c> and the imbalance of a classification label: the ratio of the
/// largest class to the smallest in the training rows. Balancing (MLNetLlm.Data's <c>Balance</c>) is a training-only
/// step: validation, test and prediction rows are never resampled. Random over- and undersampling act on the rows
/// before featurization; SMOTE interpolates the featurized vectors, so it comes after the featurizer.
/// </summary>
internal static class ClassBalance
{
    /// <summary>The values <c>--balance</c> accepts.</summary>
    public static readonly string[] Methods = ["none", "oversample", "undersample", "smote"];

    /// <summary>An AutoML search adds balancing as a searched stage when the largest class has at least this many times the rows of the smallest.</summary>
    public const double SearchedRatio = 3;

    /// <summary>Largest class ÷ smallest class in the training rows (1 for regression or a single class).</summary>
    public static double ImbalanceRatio(ModelSignature signature, IReadOnlyDictionary<string, int> counts) =>
        signature.Task == TaskKind.Regression || counts.Count < 2 ? 1 : (double)counts.Values.Max() / counts.Values.Min();

    static BalanceMethod Method(string method) => method switch
    {
        "oversample" => BalanceMethod.RandomOversample,
        "undersample" => BalanceMethod.RandomUndersample,
        "smote" => BalanceMethod.Smote,
        _ => throw new CliException($"--balance must be one of {string.Join(", ", Methods)}, not '{method}'."),
    };

    /// <summary>
    /// <paramref name="trainer"/> with its training rows balanced to 1:1 by <paramref name="method"/> first (classic
    /// pipeline); the trainer itself when the method is null or none.
    /// </summary>
    public static Microsoft.ML.IEstimator<Microsoft.ML.ITransformer> Wrap(Microsoft.ML.MLContext ml, Microsoft.ML.IEstimator<Microsoft.ML.ITransformer> trainer, string? method, int seed) =>
        method is null or "none" ? trainer : ml.Llm().ApplyWhenTraining(trainer, ml.Llm().Balance(Options(method, 1.0, seed)));

    /// <summary>C# code of <see cref="Wrap"/> around the trainer expression <paramref name="trainer"/>, for the generated training code.</summary>
    public static string WrapCode(string trainer, string? method, int seed) => method is null or "none" ? trainer
        : $"mlContext.Llm().ApplyWhenTraining({trainer}, mlContext.Llm().Balance(new MLNetLlm.Data.Balancing.BalanceOptions {{ LabelColumn = \"{ModelSignature.LabelColumnName}\", " +
          $"FeatureColumn = \"{PipelineFactory.FeaturesColumn}\", Method = MLNetLlm.Data.Balancing.BalanceMethod.{Method(method)}, TargetRatio = 1.0, Seed = {seed} }}))";

    static BalanceOptions Options(string method, double ratio, int seed) => new()
    {
        LabelColumn = ModelSignature.LabelColumnName, FeatureColumn = PipelineFactory.FeaturesColumn, Method = Method(method), TargetRatio = ratio, Seed = seed,
    };

    /// <summary>
    /// The AutoML stage: with <paramref name="method"/> given, that method (its ratio searched in [0.3, 1], default 1);
    /// without, when <paramref name="searched"/>: none, oversampling or undersampling, chosen by the search.
    /// Null when there is nothing to add.
    /// </summary>
    public static SweepableEstimator[]? AutoStage(AutoCatalog auto, string? method, bool searched, int seed)
    {
        SweepableEstimator Stage(string m) => auto.TrainingRowOperation<BalanceOptions>(m, (ctx, o) =>
        {
            o.LabelColumn = ModelSignature.LabelColumnName;
            o.FeatureColumn = PipelineFactory.FeaturesColumn;
            o.Method = Method(m);
            o.Seed = seed;
            return ctx.Llm().Balance(o);
        }, new SearchSpace { ["TargetRatio"] = new UniformDoubleOption(0.3, 1.0, defaultValue: 1.0) });
        if (method is "none") return null;
        if (method is not null) return [Stage(method)];
        return searched ? [SweepableEstimator.Skip("no_balance"), Stage("oversample"), Stage("undersample")] : null;
    }

    /// <summary>C# code of <see cref="AutoStage"/>'s alternatives (an argument list for <c>SweepablePipeline.Append</c>), or null.</summary>
    public static string? AutoStageCode(string? method, bool searched, int seed)
    {
        string Stage(string m) =>
            $"auto.TrainingRowOperation<MLNetLlm.Data.Balancing.BalanceOptions>(\"{m}\", (ctx, o) => {{ o.LabelColumn = \"{ModelSignature.LabelColumnName}\"; " +
            $"o.FeatureColumn = \"{PipelineFactory.FeaturesColumn}\"; o.Method = MLNetLlm.Data.Balancing.BalanceMethod.{Method(m)}; o.Seed = {seed}; return ctx.Llm().Balance(o); }}, " +
            "new SearchSpace { [\"TargetRatio\"] = new UniformDoubleOption(0.3, 1.0, defaultValue: 1.0) })";
        if (method is "none") return null;
        if (method is not null) return Stage(method);
        return searched ? $"SweepableEstimator.Skip(\"no_balance\"), {Stage("oversample")}, {Stage("undersample")}" : null;
    }
}
