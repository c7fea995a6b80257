using System.CommandLine;
using MLNetLlm.Cli.Prediction;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm predict</c>: run a saved model on a file or on standard input.</summary>
internal static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file (model.mlnetllm from train).", Required = true };
        var input = new Option<string?>("--input", "-i")
        {
            Description = "Rows to predict: CSV/TSV with the model's text columns, or .jsonl. Omitted or '-': standard input " +
                          "(JSON lines, or one text per line for single-column models).",
        };
        var output = new Option<string?>("--output", "-o") { Description = "Write predictions to this file (.csv, .tsv or .jsonl) instead of standard output." };
        var format = new Option<string?>("--format") { Description = "csv or jsonl (default: from --output's extension, else csv)." };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var idCol = new Option<string?>("--id-col") { Description = "A column (or JSON property) copied to the output to identify each row." };
        var language = Languages.LanguageSettings.CreateOption("Checked against the language the model was trained on (a mismatch is an error; with auto, a warning).");
        var explain = new Option<bool>("--explain") { Description = "Add the tokens/n-grams that drove each prediction (feature contributions or integrated gradients)." };
        var top = new Option<int>("--top") { Description = "With --explain: how many features to give per row (default 10).", DefaultValueFactory = _ => 10 };
        var command = new Command("predict", "Predict with a model: file or standard input in, CSV or JSON lines out.") { model, input, output, format, idCol, language, explain, top };
        command.SetAction(parse => context.Guard(() =>
        {
            var predictor = ModelPredictor.Load(parse.GetValue(model)!);
            var columns = predictor.Signature.TextColumns;
            string? id = parse.GetValue(idCol);
            string? inPath = parse.GetValue(input);
            var rows = inPath is null or "-"
                ? PredictionInput.FromLines(context.In, "standard input", columns, id)
                : PredictionInput.FromFile(inPath, columns, id);
            Languages.PredictionLanguageCheck.Run(parse.GetValue(model)!, parse.GetValue(language), rows.Texts.SelectMany(t => t).Take(1000), context.Err);
            var predictions = rows.Texts.Select(predictor.Predict).ToList();
            int k = parse.GetValue(top);
            if (parse.GetValue(explain)) predictions = Explaining.Add(predictor, rows.Texts, predictions, k);

            string? outPath = parse.GetValue(output);
            string fmt = parse.GetValue(format)
                         ?? (outPath != null && Path.GetExtension(outPath).ToLowerInvariant() is ".jsonl" or ".json" ? "jsonl" : "csv");
            using var file = outPath == null ? null : CreateFile(outPath);
            var w = (TextWriter?)file ?? context.Out;
            if (fmt == "jsonl") PredictionWriter.WriteJsonLines(w, rows.Ids, predictions, k);
            else PredictionWriter.WriteCsv(w, predictor.Signature, rows.Ids, predictions, outPath == null ? ',' : MLNetLlm.IO.DelimitedFile.SeparatorFor(outPath), k);
            w.Flush();
            if (outPath != null) context.Out.WriteLine($"Wrote {predictions.Count} predictions to {outPath}");
            return 0;
        }));
        return command;
    }

    static StreamWriter CreateFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
    }
}
