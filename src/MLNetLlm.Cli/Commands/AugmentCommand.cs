using System.CommandLine;
using MLNetLlm.Data.Augmentation;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm augment</c>: add EDA-edited copies of rows to a data file (MLNetLlm.Data's TextAugmenter).</summary>
internal static class AugmentCommand
{
    public static Command Create(CliContext context)
    {
        var dataset = new Option<string>("--dataset") { Description = "The data file (CSV/TSV with a header).", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The augmented file to write: every input row, then the new rows.", Required = true };
        var textCol = new Option<string>("--text-col") { Description = "The text column to edit (default Text).", DefaultValueFactory = _ => "Text" };
        var perRow = new Option<int?>("--per-row") { Description = "New rows made from each input row (1–16, default 4)." };
        var rate = new Option<double?>("--rate") { Description = "The share of a text's words each edit may touch, for all four edits (0–0.5, default 0.1)." };
        var operations = new Option<string[]>("--ops") { Description = "Edits to use: synonym, insert, swap, delete (repeatable; default all)." };
        operations.AcceptOnlyFromAmong("synonym", "insert", "swap", "delete");
        var seed = new Option<int?>("--seed") { Description = "Seed: the same seed and data give the same rows (default 42)." };
        var labelCol = new Option<string>("--label-col") { Description = "The label column --only-label looks at (default Label).", DefaultValueFactory = _ => "Label" };
        var onlyLabel = new Option<string[]>("--only-label") { Description = "Only augment rows with this label (repeatable), e.g. the minority class." };
        var wordNet = new Option<string?>("--wordnet") { Description = "A WordNet 3.x dict folder for synonyms (default: the bundled synonym list)." };
        var synonyms = new Option<string?>("--synonyms") { Description = "A synonym-group file instead of the bundled list (one group per line; for Chinese, words separated by spaces or commas, or HIT Cilin lines)." };
        var language = Languages.LanguageSettings.CreateOption("zh: edits on jieba-segmented words, synonyms from --synonyms (needed for the synonym and insert edits).");
        var command = new Command("augment", "Append edited copies of rows (synonym replacement, random insertion, swap, deletion) to a data file.")
        {
            dataset, output, textCol, perRow, rate, operations, seed, labelCol, onlyLabel, wordNet, synonyms, language,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            var options = new AugmentationOptions { TextColumnName = parse.GetValue(textCol)!, WordNetPath = parse.GetValue(wordNet), SynonymFile = parse.GetValue(synonyms) };
            if (parse.GetValue(perRow) is { } n) options.AugmentationsPerRow = n;
            if (parse.GetValue(seed) is { } s) options.Seed = s;
            double r = parse.GetValue(rate) ?? options.SynonymReplacementRate;
            var ops = parse.GetValue(operations) is { Length: > 0 } chosen ? chosen : ["synonym", "insert", "swap", "delete"];
            options.SynonymReplacementRate = ops.Contains("synonym") ? r : 0;
            options.RandomInsertionRate = ops.Contains("insert") ? r : 0;
            options.RandomSwapRate = ops.Contains("swap") ? r : 0;
            options.RandomDeletionRate = ops.Contains("delete") ? r : 0;
            try { options.Validate(); }
            catch (ArgumentException ex) { throw new CliException($"Augmentation settings: {ex.Message}", ex); }
            if (options.WordNetPath != null && !Directory.Exists(options.WordNetPath)) throw new CliException($"--wordnet folder '{options.WordNetPath}' does not exist.");
            if (options.SynonymFile != null && !File.Exists(options.SynonymFile)) throw new CliException($"--synonyms file '{options.SynonymFile}' does not exist.");

            var table = DelimitedFile.Read(parse.GetValue(dataset)!);
            if (table.Rows.Count == 0) throw new DataFileException(table.Source, $"'{table.Source}' has a header but no data rows.");
            int text = table.ColumnIndex(options.TextColumnName);
            var only = parse.GetValue(onlyLabel) is { Length: > 0 } labels ? labels : null;
            int label = only == null ? -1 : table.ColumnIndex(parse.GetValue(labelCol)!);
            if (only != null)
                foreach (var l in only)
                    if (!table.Rows.Any(row => row[label].Trim() == l))
                        throw new CliException($"--only-label '{l}' does not occur in column '{table.Header[label]}' of '{table.Source}'.");

            var lang = Languages.LanguageSettings.Resolve(parse.GetValue(language), table.Rows.Take(1000).Select(r => r[text]), out string languageLine);
            context.Out.WriteLine(languageLine);
            if (lang == MLNetLlm.Data.Languages.TextLanguage.Chinese) Languages.ChineseAugmentation.Configure(options);
            else if (parse.GetValue(language) == "en") options.Language = MLNetLlm.Data.Languages.TextLanguage.English;
            var augmenter = new TextAugmenter(options);
            var rows = new List<IReadOnlyList<string>>(table.Rows);
            int added = 0;
            for (int i = 0; i < table.Rows.Count; i++)
            {
                if (only != null && !only.Contains(table.Rows[i][label].Trim())) continue;
                for (int k = 0; k < options.AugmentationsPerRow; k++)
                {
                    var copy = (string[])table.Rows[i].Clone();
                    copy[text] = augmenter.Variant(copy[text], i, k);
                    rows.Add(copy);
                    added++;
                }
            }
            string path = parse.GetValue(output)!;
            DelimitedFile.Write(path, table.Header, rows);
            context.Out.WriteLine($"{table.Rows.Count} rows in, {added} augmented rows added, {rows.Count} rows written to {path}");
            return 0;
        }));
        return command;
    }
}
