using Microsoft.ML;
using MLNetLlm.AutoML;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.Data;
using MLNetLlm.Data.Cleaning;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// The pipeline an AutoML <c>train</c> searches: text normalization (fixed), the text featurizer (its n-grams,
/// weighting and norm searched for a single text column; fixed per column for sentence pairs), a training-only cache
/// of the features, and a one-of choice of trainers for the task (SDCA, LightGBM, FastTree) with their default spaces.
/// </summary>
internal static class AutoPipelineFactory
{
    public static SweepablePipeline Create(MLContext ml, ModelSignature signature, TextNormalizerOptions? normalization, int? threads)
    {
        var auto = ml.Llm().Auto();
        var pipeline = new SweepablePipeline();
        if (normalization != null)
            foreach (var column in signature.TextColumns)
                pipeline.Append(ml.Llm().NormalizeText(column, options: normalization), $"normalize_{column}");
        if (signature.TextColumns.Count == 1)
            pipeline.Append(auto.FeaturizeText(PipelineFactory.FeaturesColumn, signature.TextColumns[0]));
        else
            pipeline.Append(PipelineFactory.Featurizer(ml, signature.TextColumns, normalization: null), "featurize_columns");
        // Iterative trainers pass over the data many times: cache the features once per trial (training rows only).
        pipeline.AppendCacheCheckpoint();
        const string label = ModelSignature.LabelColumnName, features = PipelineFactory.FeaturesColumn;
        switch (signature.Task)
        {
            case TaskKind.Binary:
                pipeline.Append(auto.SdcaLogisticRegression(label, features, threads), auto.LightGbmBinary(label, features, threads), auto.FastTreeBinary(label, features, threads));
                break;
            case TaskKind.Multiclass:
                pipeline.Append(auto.SdcaMaximumEntropy(label, features, threads), auto.LightGbmMulticlass(label, features, threads));
                pipeline.Append(ml.Transforms.Conversion.MapKeyToValue(PipelineFactory.PredictedClassColumn, "PredictedLabel"), "to_class");
                break;
            default:
                pipeline.Append(auto.SdcaRegression(label, features, threads), auto.LightGbmRegression(label, features, threads), auto.FastTreeRegression(label, features, threads));
                break;
        }
        return pipeline;
    }

    /// <summary>C# code of a method body expression that builds the same sweepable pipeline from <c>mlContext</c> (for the generated training code).</summary>
    public static string Code(ModelSignature signature, TextNormalizerOptions? normalization, int? threads)
    {
        string Lit(string s) => CodeGen.CSharpNames.Literal(s);
        string t = threads is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null";
        var lines = new List<string> { "new SweepablePipeline()" };
        if (normalization != null)
            foreach (var column in signature.TextColumns)
                lines.Add($".Append(mlContext.Llm().NormalizeText({Lit(column)}, options: {PipelineFactory.NormalizationCode(normalization)}), {Lit("normalize_" + column)})");
        if (signature.TextColumns.Count == 1)
            lines.Add($".Append(auto.FeaturizeText({Lit(PipelineFactory.FeaturesColumn)}, {Lit(signature.TextColumns[0])}))");
        else
        {
            var featureColumns = signature.TextColumns.Select((_, i) => $"__features{i}").ToArray();
            string steps = string.Join("\n                .Append(", signature.TextColumns.Select((c, i) => $"mlContext.Transforms.Text.FeaturizeText({Lit(featureColumns[i])}, {Lit(c)})"));
            lines.Add($".Append({steps}{new string(')', signature.TextColumns.Count - 1)}" +
                      $"\n                .Append(mlContext.Transforms.Concatenate({Lit(PipelineFactory.FeaturesColumn)}, {string.Join(", ", featureColumns.Select(Lit))})), \"featurize_columns\")");
        }
        lines.Add(".AppendCacheCheckpoint()");
        string args = $"\"Label\", {Lit(PipelineFactory.FeaturesColumn)}, {t}";
        switch (signature.Task)
        {
            case TaskKind.Binary:
                lines.Add($".Append(auto.SdcaLogisticRegression({args}), auto.LightGbmBinary({args}), auto.FastTreeBinary({args}))");
                break;
            case TaskKind.Multiclass:
                lines.Add($".Append(auto.SdcaMaximumEntropy({args}), auto.LightGbmMulticlass({args}))");
                lines.Add($".Append(mlContext.Transforms.Conversion.MapKeyToValue({Lit(PipelineFactory.PredictedClassColumn)}, \"PredictedLabel\"), \"to_class\")");
                break;
            default:
                lines.Add($".Append(auto.SdcaRegression({args}), auto.LightGbmRegression({args}), auto.FastTreeRegression({args}))");
                break;
        }
        return string.Join("\n            ", lines);
    }
}
