using System.CommandLine;
using MLNetLlm.Cli.Evaluation;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.Training;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm evaluate</c>: measure a saved model on a labeled data file.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file (model.mlnetllm from train).", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Labeled data: a CSV/TSV file with the model's text and label columns.", Required = true };
        var labelCol = new Option<string?>("--label-col") { Description = "The label column, if it differs from the one the model was trained on." };
        var output = new Option<string?>("--output", "-o") { Description = "Also write the metrics as JSON to this file." };
        var command = new Command("evaluate", "Measure a model on a labeled data file and print its metrics.") { model, dataset, labelCol, output };
        command.SetAction(parse => context.Guard(() =>
        {
            var report = Evaluate(parse.GetValue(model)!, parse.GetValue(dataset)!, parse.GetValue(labelCol));
            report.Print(context.Out);
            if (parse.GetValue(output) is { } path) report.Save(path);
            return 0;
        }));
        return command;
    }

    /// <summary>Loads the model and the data, checks the label against the model's classes and measures.</summary>
    public static MetricsReport Evaluate(string modelPath, string datasetPath, string? labelColumn)
    {
        var predictor = ModelPredictor.Load(modelPath);
        var signature = predictor.Signature;
        if (labelColumn != null)
            signature = new ModelSignature
            {
                Task = signature.Task, LabelColumn = labelColumn, TextColumns = signature.TextColumns, Classes = signature.Classes,
                PositiveLabel = signature.PositiveLabel, NegativeLabel = signature.NegativeLabel,
            };
        var table = DelimitedFile.Read(datasetPath);
        var view = LabeledData.Build(table, Enumerable.Range(0, table.Rows.Count).ToArray(), signature);
        var ml = predictor.Context;
        Microsoft.ML.IDataView data = view;
        if (signature.Task == TaskKind.Multiclass) data = PipelineFactory.LabelToKey(ml, signature, view).Transform(view);
        return ModelEvaluator.Evaluate(ml, signature, predictor.Model.Transform(data), table.Source, trainRows: null);
    }
}
