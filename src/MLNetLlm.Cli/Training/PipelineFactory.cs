using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MLNetLlm.Data;
using MLNetLlm.Data.Cleaning;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// The classic (non-AutoML) pipeline <c>train</c> fits: text normalization, ML.NET's bag-of-n-grams featurizer per
/// text column, and an SDCA linear trainer for the task.
/// </summary>
internal static class PipelineFactory
{
    /// <summary>The column the featurized text ends up in.</summary>
    public const string FeaturesColumn = "Features";

    /// <summary>Multiclass models also output the predicted class's name (PredictedLabel stays a key for evaluation).</summary>
    public const string PredictedClassColumn = "PredictedClass";

    /// <summary>The name of the trainer <see cref="Create"/> uses for a task, for reports.</summary>
    public static string TrainerName(TaskKind task) => task switch
    {
        TaskKind.Binary => "SdcaLogisticRegression",
        TaskKind.Multiclass => "SdcaMaximumEntropy",
        _ => "SdcaRegression",
    };

    /// <summary>The pipeline <see cref="Create"/> builds, as one line of text for leaderboards and logs.</summary>
    public static string Describe(ModelSignature signature, TextNormalizerOptions? normalization) =>
        (normalization == null ? "" : $"NormalizeText({normalization.Summary}) → ") +
        string.Join(" → ", signature.TextColumns.Select(c => $"FeaturizeText({c})")) + " → " + TrainerName(signature.Task);

    /// <summary>The featurization steps for the text columns, ending in <see cref="FeaturesColumn"/>.</summary>
    public static IEstimator<ITransformer> Featurizer(MLContext ml, IReadOnlyList<string> textColumns, TextNormalizerOptions? normalization)
    {
        IEstimator<ITransformer>? chain = null;
        if (normalization != null)
            foreach (var column in textColumns)
                chain = chain == null ? ml.Llm().NormalizeText(column, options: normalization) : chain.Append(ml.Llm().NormalizeText(column, options: normalization));
        var featureColumns = new List<string>();
        for (int i = 0; i < textColumns.Count; i++)
        {
            string output = textColumns.Count == 1 ? FeaturesColumn : $"__features{i}";
            var step = ml.Transforms.Text.FeaturizeText(output, textColumns[i]);
            chain = chain == null ? step : chain.Append(step);
            featureColumns.Add(output);
        }
        if (featureColumns.Count > 1) chain = chain!.Append(ml.Transforms.Concatenate(FeaturesColumn, featureColumns.ToArray()));
        return chain!;
    }

    /// <summary>The whole pipeline for a task (the part that is saved in the model file).</summary>
    public static IEstimator<ITransformer> Create(MLContext ml, ModelSignature signature, TextNormalizerOptions? normalization)
    {
        // SDCA makes many passes over the data: cache the features instead of featurizing the text on every pass.
        var features = Featurizer(ml, signature.TextColumns, normalization).AppendCacheCheckpoint(ml);
        const string label = ModelSignature.LabelColumnName;
        return signature.Task switch
        {
            TaskKind.Binary => features.Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(
                new SdcaLogisticRegressionBinaryTrainer.Options { LabelColumnName = label, FeatureColumnName = FeaturesColumn, NumberOfThreads = 1 })),
            TaskKind.Multiclass => features
                .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(
                    new SdcaMaximumEntropyMulticlassTrainer.Options { LabelColumnName = label, FeatureColumnName = FeaturesColumn, NumberOfThreads = 1 }))
                .Append(ml.Transforms.Conversion.MapKeyToValue(PredictedClassColumn, "PredictedLabel")),
            _ => features.Append(ml.Regression.Trainers.Sdca(
                new SdcaRegressionTrainer.Options { LabelColumnName = label, FeatureColumnName = FeaturesColumn, NumberOfThreads = 1 })),
        };
    }

    /// <summary>
    /// C# code (an expression over <c>mlContext</c>) that builds the same pipeline as <see cref="Create"/>; the generated
    /// training code uses it. Keep the two in step.
    /// </summary>
    public static string Code(ModelSignature signature, TextNormalizerOptions? normalization)
    {
        var steps = new List<string>();
        if (normalization != null)
            foreach (var column in signature.TextColumns)
                steps.Add($"mlContext.Llm().NormalizeText({Lit(column)}, options: {NormalizationCode(normalization)})");
        var featureColumns = new List<string>();
        for (int i = 0; i < signature.TextColumns.Count; i++)
        {
            string output = signature.TextColumns.Count == 1 ? FeaturesColumn : $"__features{i}";
            steps.Add($"mlContext.Transforms.Text.FeaturizeText({Lit(output)}, {Lit(signature.TextColumns[i])})");
            featureColumns.Add(output);
        }
        if (featureColumns.Count > 1)
            steps.Add($"mlContext.Transforms.Concatenate({Lit(FeaturesColumn)}, {string.Join(", ", featureColumns.Select(Lit))})");
        string options = $"{{ LabelColumnName = \"{ModelSignature.LabelColumnName}\", FeatureColumnName = {Lit(FeaturesColumn)}, NumberOfThreads = 1 }}";
        string chain = steps[0] + string.Concat(steps.Skip(1).Select(step => $"\n            .Append({step})"));
        chain += "\n            .AppendCacheCheckpoint(mlContext)";
        chain += signature.Task switch
        {
            TaskKind.Binary => $"\n            .Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options {options}))",
            TaskKind.Multiclass => $"\n            .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options {options}))" +
                                   $"\n            .Append(mlContext.Transforms.Conversion.MapKeyToValue({Lit(PredictedClassColumn)}, \"PredictedLabel\"))",
            _ => $"\n            .Append(mlContext.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options {options}))",
        };
        return chain;
    }

    /// <summary>A C# object initializer for the options, listing the properties that differ from the defaults.</summary>
    internal static string NormalizationCode(TextNormalizerOptions options)
    {
        var defaults = new TextNormalizerOptions();
        var set = typeof(TextNormalizerOptions).GetProperties()
            .Where(p => p.CanWrite && p.CanRead && !Equals(p.GetValue(options), p.GetValue(defaults)))
            .Select(p => $"{p.Name} = {(p.GetValue(options) is string str ? Lit(str) : p.GetValue(options)!.ToString()!.ToLowerInvariant())}");
        string body = string.Join(", ", set);
        return body.Length == 0 ? "new TextNormalizerOptions()" : $"new TextNormalizerOptions {{ {body} }}";
    }

    static string Lit(string s) => CodeGen.CSharpNames.Literal(s);

    /// <summary>
    /// The step that turns a multiclass text label into the key the trainer needs, with the classes in the signature's
    /// order. It is applied to training and evaluation data but not saved in the model (prediction input has no label).
    /// </summary>
    public static ITransformer LabelToKey(MLContext ml, ModelSignature signature, IDataView data)
    {
        var keys = MLNetLlm.DataViews.InMemoryDataView.FromColumns(
            ("Class", TextDataViewType.Instance, signature.Classes.Select(c => c.AsMemory()).ToArray()));
        return ml.Transforms.Conversion.MapValueToKey(ModelSignature.LabelColumnName, ModelSignature.LabelColumnName, keyData: keys).Fit(data);
    }
}
