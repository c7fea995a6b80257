using System.CommandLine;
using MLNetLlm.Cli.DataSteps;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm clean</c>: run the cleaning steps alone on a data file and write the cleaned file.</summary>
internal static class CleanCommand
{
    public static Command Create(CliContext context)
    {
        var dataset = new Option<string>("--dataset") { Description = "The data file (CSV/TSV with a header).", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The cleaned file to write (.csv or .tsv).", Required = true };
        var textCol = new Option<string[]>("--text-col") { Description = "A text column to clean; repeat for more (default Text)." };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Keep the text as it is (only drop empty rows and duplicates)." };
        var stripHeaders = new Option<bool>("--strip-email-headers") { Description = "Drop e-mail headers and decode MIME bodies (keeps the Subject)." };
        var mask = new Option<string[]>("--mask") { Description = "Replace urls, emails and/or numbers by placeholders (repeatable)." };
        mask.AcceptOnlyFromAmong(NormalizationFlags.Masks);
        var dedup = new Option<string>("--dedup") { Description = "Drop duplicates: none, exact, or near (MinHash; default).", DefaultValueFactory = _ => "near" };
        dedup.AcceptOnlyFromAmong("none", "exact", "near");
        var jaccard = new Option<double?>("--jaccard") { Description = "Near duplicates: the Jaccard similarity that counts as duplicate (0.5–0.99, default 0.8)." };
        var keepEmpty = new Option<bool>("--keep-empty") { Description = "Keep rows whose text is empty after cleaning." };
        var shingles = new Option<ShingleUnit?>("--shingles") { Description = "Near duplicates: compare shingles of words or characters (default words)." };
        var shingleSize = new Option<int?>("--shingle-size") { Description = "Near duplicates: shingle length in --shingles units (1–9; default 3)." };
        var language = Languages.LanguageSettings.CreateOption("zh: near duplicates compared on character 3-grams (unless --shingles/--shingle-size say otherwise).");
        var chinese = new Languages.ChineseCleaningFlags();
        var command = new Command("clean", "Normalize text, drop empty rows and (near) duplicates in a data file; write the cleaned file.")
        {
            dataset, output, textCol, noNormalize, stripHeaders, mask, dedup, jaccard, shingles, shingleSize, keepEmpty, language,
        };
        foreach (var option in chinese.All) command.Options.Add(option);
        command.SetAction(parse => context.Guard(() =>
        {
            var normalization = NormalizationFlags.Apply(new TextNormalizerOptions(), parse.GetValue(noNormalize), parse.GetValue(stripHeaders), parse.GetValue(mask));
            normalization = chinese.Apply(parse, normalization);
            string method = parse.GetValue(dedup)!;
            DeduplicationOptions? dedupOptions = method == "none" ? null : new DeduplicationOptions
            {
                Method = method == "exact" ? DeduplicationMethod.Exact : DeduplicationMethod.NearDuplicate,
            };
            if (parse.GetValue(jaccard) is { } j)
            {
                if (dedupOptions is not { Method: DeduplicationMethod.NearDuplicate }) throw new CliException("--jaccard needs --dedup near.");
                dedupOptions.JaccardThreshold = j;
            }
            if (parse.GetValue(shingles) is { } unit || parse.GetValue(shingleSize) is not null)
            {
                if (dedupOptions is not { Method: DeduplicationMethod.NearDuplicate }) throw new CliException("--shingles and --shingle-size need --dedup near.");
                dedupOptions.Shingles = parse.GetValue(shingles) ?? dedupOptions.Shingles;
                dedupOptions.ShingleSize = parse.GetValue(shingleSize) ?? dedupOptions.ShingleSize;
            }
            try { dedupOptions?.Validate(); }
            catch (ArgumentException ex) { throw new CliException($"Deduplication settings: {ex.Message}", ex); }

            var columns = parse.GetValue(textCol) is { Length: > 0 } given ? given : ["Text"];
            var table = DelimitedFile.Read(parse.GetValue(dataset)!);
            var lang = Languages.LanguageSettings.Resolve(parse.GetValue(language), table.Rows.Take(1000).Select(r => r[table.ColumnIndex(columns[0])]), out string languageLine);
            context.Out.WriteLine(languageLine);
            if (lang == MLNetLlm.Data.Languages.TextLanguage.Chinese && dedupOptions is { Method: DeduplicationMethod.NearDuplicate } && parse.GetValue(shingles) is null && parse.GetValue(shingleSize) is null)
                (dedupOptions.Shingles, dedupOptions.ShingleSize) = (ShingleUnit.Character, 3);
            var cleaner = new TableCleaner { TextColumns = columns, Normalization = normalization, Deduplication = dedupOptions, DropEmpty = !parse.GetValue(keepEmpty) };
            var (rows, report) = cleaner.Clean(table);
            string path = parse.GetValue(output)!;
            DelimitedFile.Write(path, table.Header, rows);
            context.Out.WriteLine($"{report.RowsIn} rows in, {report.Empty} empty, {report.ExactDuplicates} exact and {report.NearDuplicates} near duplicates dropped, {report.RowsOut} rows written to {path}");
            return 0;
        }));
        return command;
    }
}
