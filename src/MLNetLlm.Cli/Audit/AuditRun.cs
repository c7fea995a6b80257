using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.Training;
using MLNetLlm.Fairness;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Audit;

/// <summary>
/// A fairness audit of a saved classification model on a labeled file: the model's own predictions (before any output
/// rules) against the labels, grouped by a sensitive column of the file.
/// </summary>
internal static class AuditRun
{
    /// <summary>A model file, or a folder written by <c>train</c> that holds model.mlnetllm.</summary>
    public static string ResolveModel(string path) =>
        Directory.Exists(path) ? System.IO.Path.Combine(path, "model.mlnetllm") : path;

    public static FairnessReport Run(string modelPath, string datasetPath, string sensitiveColumn, MulticlassFairness multiclass)
    {
        var predictor = ModelPredictor.Load(ResolveModel(modelPath));
        var s = predictor.Signature;
        if (s.Task == TaskKind.Regression)
            throw new CliException($"'{predictor.Path}' is a regression model; a fairness audit needs a classification model (binary or multiclass).");
        var table = DelimitedFile.Read(datasetPath);
        if (table.Rows.Count == 0) throw new CliException($"'{datasetPath}' has no rows to audit.");
        int groupIndex = table.ColumnIndex(sensitiveColumn);
        var view = LabeledData.Build(table, Enumerable.Range(0, table.Rows.Count).ToArray(), s);
        var scored = predictor.Model.Transform(view);
        string[] truth, predicted;
        if (s.Task == TaskKind.Binary)
        {
            truth = scored.GetColumn<bool>(ModelSignature.LabelColumnName).Select(b => s.Classes[b ? 1 : 0]).ToArray();
            predicted = scored.GetColumn<bool>("PredictedLabel").Select(b => s.Classes[b ? 1 : 0]).ToArray();
        }
        else
        {
            truth = scored.GetColumn<ReadOnlyMemory<char>>(ModelSignature.LabelColumnName).Select(m => m.ToString()).ToArray();
            predicted = scored.GetColumn<ReadOnlyMemory<char>>(PipelineFactory.PredictedClassColumn).Select(m => m.ToString()).ToArray();
        }
        var groups = table.Rows.Select(r => r[groupIndex]).ToArray();
        var options = new FairnessOptions
        {
            PositiveLabel = s.Task == TaskKind.Binary ? s.Classes[1] : null,
            ForceMulticlass = s.Task == TaskKind.Multiclass,
            Multiclass = multiclass,
            Classes = s.Task == TaskKind.Multiclass ? s.Classes : null,
        };
        return predictor.Context.Llm().Fairness.Evaluate(truth, predicted, groups, options, sensitiveColumn);
    }
}
