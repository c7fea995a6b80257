using System.Globalization;
using MLNetLlm.Cli.DataSteps;
using MLNetLlm.Cli.Training;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.IO;
using static MLNetLlm.Cli.Ui.UiText;

namespace MLNetLlm.Cli.Ui;

/// <summary>Steps 1-4 of the wizard: scenario, data (upload, preview, column roles), data steps, training settings; what each page shows (the views under Ui/Views draw it).</summary>
internal static class WizardPages
{
    public static Dictionary<string, string> Links(Draft d)
    {
        var links = new Dictionary<string, string> { ["data"] = "/data?" + d.Query(false) };
        if (d.Dataset != null && d.Label != null && d.Text.Count > 0)
        {
            links["steps"] = "/steps?" + d.Query();
            links["train"] = "/train?" + d.Query();
        }
        return links;
    }

    public static ScenarioPage Scenario(Draft d) => new() { Title = "Choose a scenario", Step = "scenario", Links = Links(d), Draft = d };

    public static DataPage Data(Draft d, Workspace ws, long maxUpload, string? error = null) => new()
    {
        Title = "Data", Step = "data", Links = Links(d), Error = error, Draft = d,
        MaxUpload = Workspace.FormatBytes(maxUpload), DatasetsFolder = ws.Datasets,
        Datasets = ws.ListDatasets().Select(name =>
        {
            var pick = Copy(d); pick.Dataset = name; pick.Label = null; pick.Text = [];
            return (name, "/data/columns?" + pick.Query(false), Workspace.FormatBytes(new FileInfo(Path.Combine(ws.Datasets, name)).Length));
        }).ToList(),
    };

    static Draft Copy(Draft d) => Draft.From(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(d.Query()));

    public static ColumnsPage Columns(Draft d, DelimitedTable table, string? error = null)
    {
        var header = table.Header;
        var stats = header.Select((name, i) => Describe(table, i)).ToArray();
        string label = d.Label is { } l && header.Contains(l) ? l
            : header.FirstOrDefault(h => h.Equals("label", StringComparison.OrdinalIgnoreCase))
              ?? header.Select((h, i) => (h, i)).Where(x => stats[x.i].Distinct > 1).OrderBy(x => stats[x.i].Distinct).Select(x => x.h).First();
        var text = d.Text.Where(header.Contains).ToList();
        if (text.Count == 0)
        {
            var guess = header.FirstOrDefault(h => h.Equals("text", StringComparison.OrdinalIgnoreCase) && h != label)
                        ?? header.Select((h, i) => (h, i)).Where(x => x.h != label).OrderByDescending(x => stats[x.i].AvgLength).First().h;
            text.Add(guess);
        }
        int li = table.ColumnIndex(label);
        var counts = table.Rows.GroupBy(r => r[li].Trim(), StringComparer.Ordinal).Select(g => (g.Key, (double)g.Count())).OrderByDescending(x => x.Item2).ToList();
        IReadOnlyList<string>? choices = null;
        string? positive = null;
        if (d.Task == "binary" && LabeledData.TryBooleans(table, label) == null && counts.Count == 2)
        {
            choices = counts.Select(c => c.Key).ToList();
            positive = d.Positive is { } p && choices.Contains(p) ? p : TaskInference.RarerValue(table, Enumerable.Range(0, table.Rows.Count).ToArray(), label);
        }
        return new ColumnsPage
        {
            Title = "Data: columns", Step = "data", Links = Links(d), Error = error, Draft = d, Table = table, Columns = stats, Label = label, Text = text,
            PositiveChoices = choices, Positive = positive,
            LabelDistribution = d.Task != "regression" ? new BarsModel($"Label distribution of '{label}'", counts.Take(20).ToList()) : null,
        };
    }

    static ColumnStats Describe(DelimitedTable table, int i)
    {
        var values = table.Rows.Select(r => r[i]).ToList();
        int distinct = values.Distinct(StringComparer.Ordinal).Count();
        bool numeric = values.All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        bool boolean = values.All(v => v.Trim().ToLowerInvariant() is "true" or "false" or "0" or "1");
        double avg = values.Count == 0 ? 0 : values.Average(v => v.Length);
        string type = boolean && distinct <= 2 ? "boolean" : numeric ? "number" : distinct <= Math.Max(2, values.Count / 20) ? "category" : $"text (avg {avg:0} chars)";
        return new ColumnStats(table.Header[i], type, distinct, avg);
    }

    public static StepsPage Steps(Draft d, DelimitedTable table, string? error = null)
    {
        TextNormalizerOptions? options;
        try { options = d.Normalization(); }
        catch (CliException ex)
        {
            return new StepsPage { Title = "Data steps", Step = "steps", Links = Links(d), Error = ex.Message, Draft = d, PreviewColumn = d.Text[0], Rows = table.Rows.Count };
        }
        int ti = table.ColumnIndex(d.Text[0]);
        var preview = new TableModel(["Row", "Before", "After"], table.Rows.Take(3).Select((r, i) => new[]
        {
            N(i + 1), Truncate(r[ti], 240), Truncate(options == null ? r[ti] : TextNormalizer.Normalize(r[ti], options), 240),
        }).ToList(), "step-preview");
        TableCleaner.Report? report = d.Dedup ? new TableCleaner { TextColumns = d.Text, Normalization = options }.Clean(table).Report : null;
        return new StepsPage { Title = "Data steps", Step = "steps", Links = Links(d), Error = error, Draft = d, Preview = preview, PreviewColumn = d.Text[0], Report = report, Rows = table.Rows.Count };
    }

    public static TrainPage Train(Draft d, string? error = null, double budget = 60) =>
        new() { Title = "Train", Step = "train", Links = Links(d), Error = error, Draft = d, Budget = budget };

    /// <summary>The scenario cards: the CLI's --task values with a line each.</summary>
    public static readonly (string Key, string Title, string Text)[] Scenarios =
    [
        ("binary", "Text classification: two classes", "Sort texts into one of two classes, e.g. spam or ham, positive or negative review. Metric: F1 of the positive class."),
        ("multiclass", "Text classification: more classes", "Sort texts into one of several classes, e.g. the topic of a ticket or the language of a sentence. Metric: macro accuracy."),
        ("regression", "Sentence-pair regression", "Score how similar two texts are (two text columns, a numeric label), e.g. STS-B. Metric: R²."),
    ];
}
