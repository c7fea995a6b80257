using System.Globalization;
using System.Text;
using MLNetLlm.Cli.DataSteps;
using MLNetLlm.Cli.Training;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.IO;
using static MLNetLlm.Cli.Ui.Html;

namespace MLNetLlm.Cli.Ui;

/// <summary>Steps 1-4 of the wizard: scenario, data (upload, preview, column roles), data steps, training settings.</summary>
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

    public static string Scenario(Draft d)
    {
        (string Key, string Title, string Text)[] scenarios =
        [
            ("binary", "Text classification: two classes", "Sort texts into one of two classes, e.g. spam or ham, positive or negative review. Metric: F1 of the positive class."),
            ("multiclass", "Text classification: more classes", "Sort texts into one of several classes, e.g. the topic of a ticket or the language of a sentence. Metric: macro accuracy."),
            ("regression", "Sentence-pair regression", "Score how similar two texts are (two text columns, a numeric label), e.g. STS-B. Metric: R²."),
        ];
        var sb = new StringBuilder("<p>What should the model do? Each choice is the CLI's <code>--task</code>.</p><form method=\"get\" action=\"/data\"><fieldset><legend>Scenario</legend>");
        foreach (var (key, title, text) in scenarios)
            sb.Append($"<label class=\"card\"><input type=\"radio\" name=\"task\" value=\"{key}\"{(d.Task == key ? " checked" : "")}> <strong>{E(title)}</strong><span>{E(text)}</span></label>");
        sb.Append("</fieldset><button type=\"submit\">Next: data</button></form>");
        return Page("Choose a scenario", "scenario", sb.ToString(), Links(d));
    }

    public static string Data(Draft d, Workspace ws, long maxUpload, string? error = null)
    {
        var sb = new StringBuilder(Error(error));
        sb.Append($"<section><h2>Upload a CSV or TSV file</h2><p>A header row, a label column and one or more text columns; UTF-8; at most {E(Workspace.FormatBytes(maxUpload))}. " +
                  "The file is checked with the CLI's reader before it is added to the workspace.</p>");
        sb.Append($"<form method=\"post\" action=\"/data/upload?{E(d.Query(false))}\" enctype=\"multipart/form-data\"><label for=\"file\">Data file</label> " +
                  "<input type=\"file\" id=\"file\" name=\"file\" accept=\".csv,.tsv,.txt\" required> <button type=\"submit\">Upload</button></form></section>");
        var datasets = ws.ListDatasets();
        sb.Append("<section><h2>Or pick a file in the workspace</h2>");
        if (datasets.Count == 0) sb.Append($"<p id=\"datasets\">No data files yet in <code>{E(ws.Datasets)}</code>.</p>");
        else
        {
            sb.Append("<ul id=\"datasets\">");
            foreach (var name in datasets)
            {
                var pick = Copy(d); pick.Dataset = name; pick.Label = null; pick.Text = [];
                sb.Append($"<li><a href=\"/data/columns?{E(pick.Query(false))}\">{E(name)}</a> <small>{E(Workspace.FormatBytes(new FileInfo(Path.Combine(ws.Datasets, name)).Length))}</small></li>");
            }
            sb.Append("</ul>");
        }
        sb.Append("</section>");
        return Page("Data", "data", sb.ToString(), Links(d));
    }

    static Draft Copy(Draft d) => Draft.From(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(d.Query()));

    public static string Columns(Draft d, DelimitedTable table, string? error = null)
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
        var sb = new StringBuilder(Error(error));
        sb.Append($"<p><strong>{E(d.Dataset)}</strong>: {table.Rows.Count.ToString(CultureInfo.InvariantCulture)} rows, {header.Count} columns. The first rows:</p>");
        sb.Append(Table(header, table.Rows.Take(5).Select(r => r.Select(c => Truncate(c, 80))), "preview", "First rows"));
        sb.Append("<form method=\"get\" action=\"/steps\">");
        sb.Append(d.Hidden("label", "text", "positive"));
        sb.Append("<fieldset><legend>Column roles</legend><div class=\"scroll\"><table id=\"roles\"><thead><tr><th scope=\"col\">Column</th><th scope=\"col\">Inferred type</th><th scope=\"col\">Distinct</th><th scope=\"col\">Label</th><th scope=\"col\">Text</th></tr></thead><tbody>");
        for (int i = 0; i < header.Count; i++)
        {
            string h = header[i];
            string id = "c" + i.ToString(CultureInfo.InvariantCulture);
            sb.Append($"<tr><th scope=\"row\">{E(h)}</th><td>{E(stats[i].Type)}</td><td>{stats[i].Distinct}</td>" +
                      $"<td><input type=\"radio\" name=\"label\" value=\"{E(h)}\" id=\"label-{id}\" aria-label=\"{E(h)} is the label\"{(h == label ? " checked" : "")}></td>" +
                      $"<td><input type=\"checkbox\" name=\"text\" value=\"{E(h)}\" id=\"text-{id}\" aria-label=\"{E(h)} is a text column\"{(text.Contains(h) ? " checked" : "")}></td></tr>");
        }
        sb.Append("</tbody></table></div><p class=\"hint\">Columns that are neither label nor text are ignored.</p></fieldset>");

        int li = table.ColumnIndex(label);
        var counts = table.Rows.GroupBy(r => r[li].Trim(), StringComparer.Ordinal).Select(g => (g.Key, (double)g.Count())).OrderByDescending(x => x.Item2).ToList();
        if (d.Task == "binary" && LabeledData.TryBooleans(table, label) == null && counts.Count == 2)
        {
            string positive = d.Positive is { } p && counts.Any(c => c.Key == p) ? p : TaskInference.RarerValue(table, Enumerable.Range(0, table.Rows.Count).ToArray(), label);
            sb.Append("<p><label for=\"positive\">Positive class</label> <select id=\"positive\" name=\"positive\">");
            foreach (var (value, _) in counts) sb.Append($"<option{(value == positive ? " selected" : "")}>{E(value)}</option>");
            sb.Append("</select> <span class=\"hint\">(what F1, precision and recall are about; default: the rarer)</span></p>");
        }
        sb.Append("<div class=\"buttons\"><button type=\"submit\" formaction=\"/data/columns\" class=\"secondary\">Update preview</button> <button type=\"submit\" id=\"next\">Next: data steps</button></div></form>");
        if (d.Task != "regression") sb.Append(Bars($"Label distribution of '{label}'", counts.Take(20).ToList()));
        return Page("Data: columns", "data", sb.ToString(), Links(d));
    }

    sealed record ColumnStats(string Type, int Distinct, double AvgLength);

    static ColumnStats Describe(DelimitedTable table, int i)
    {
        var values = table.Rows.Select(r => r[i]).ToList();
        int distinct = values.Distinct(StringComparer.Ordinal).Count();
        bool numeric = values.All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        bool boolean = values.All(v => v.Trim().ToLowerInvariant() is "true" or "false" or "0" or "1");
        double avg = values.Count == 0 ? 0 : values.Average(v => v.Length);
        string type = boolean && distinct <= 2 ? "boolean" : numeric ? "number" : distinct <= Math.Max(2, values.Count / 20) ? "category" : $"text (avg {avg:0} chars)";
        return new ColumnStats(type, distinct, avg);
    }

    public static string Steps(Draft d, DelimitedTable table, string? error = null)
    {
        var sb = new StringBuilder(Error(error));
        sb.Append("<p>What happens to the text before training. Normalization is part of the model (it runs again at prediction); " +
                  "cleaning writes a new data file in the workspace and trains on it (the CLI's <code>clean</code>).</p>");
        sb.Append("<form method=\"get\" action=\"/steps\">").Append(d.Hidden("normalize", "strip", "mask", "dedup", "balance"));
        sb.Append("<fieldset><legend>Normalization (in the model)</legend>");
        sb.Append(Check("normalize", "on", d.Normalize, "Normalize text (Unicode, case folding, whitespace, HTML) — off: --no-normalize"));
        sb.Append(Check("strip", "on", d.StripHeaders, "Strip e-mail headers, decode MIME bodies (keeps the Subject) — --strip-email-headers"));
        foreach (var m in Commands.NormalizationFlags.Masks) sb.Append(Check("mask", m, d.Mask.Contains(m), $"Mask {m} with a placeholder — --mask {m}"));
        sb.Append("</fieldset><fieldset><legend>Cleaning (a new data file)</legend>");
        sb.Append(Check("dedup", "on", d.Dedup, "Drop empty rows and exact / near duplicates (first kept) — mlnet-llm clean"));
        sb.Append("</fieldset>");
        if (d.Task != "regression")
        {
            sb.Append("<fieldset><legend>Balancing (training rows only)</legend><label for=\"balance\">Balance</label> <select id=\"balance\" name=\"balance\">");
            foreach (var b in Draft.Balances) sb.Append($"<option value=\"{b}\"{(b == d.Balance ? " selected" : "")}>{(b == "auto" ? "auto (searched when the classes are imbalanced)" : b)}</option>");
            sb.Append("</select></fieldset>");
        }
        sb.Append("<div class=\"buttons\"><button type=\"submit\" class=\"secondary\">Preview</button> <button type=\"submit\" id=\"next\" formaction=\"/train\">Next: train</button></div></form>");

        TextNormalizerOptions? options;
        try { options = d.Normalization(); }
        catch (CliException ex) { return Page("Data steps", "steps", Error(ex.Message) + sb, Links(d)); }
        int ti = table.ColumnIndex(d.Text[0]);
        sb.Append($"<section><h2>Preview: '{E(d.Text[0])}' before and after</h2>");
        sb.Append(Table(["Row", "Before", "After"], table.Rows.Take(3).Select((r, i) => new[]
        {
            (i + 1).ToString(CultureInfo.InvariantCulture), Truncate(r[ti], 240), Truncate(options == null ? r[ti] : TextNormalizer.Normalize(r[ti], options), 240),
        }), "step-preview"));
        sb.Append("</section>");
        if (d.Dedup)
        {
            var (_, report) = new TableCleaner { TextColumns = d.Text, Normalization = options }.Clean(table);
            sb.Append("<section><h2>Row report</h2>").Append(Table(["Rows in", "Empty (dropped)", "Exact duplicates (dropped)", "Near duplicates (dropped)", "Kept"],
                [[report.RowsIn.ToString(CultureInfo.InvariantCulture), report.Empty.ToString(CultureInfo.InvariantCulture), report.ExactDuplicates.ToString(CultureInfo.InvariantCulture),
                  report.NearDuplicates.ToString(CultureInfo.InvariantCulture), report.RowsOut.ToString(CultureInfo.InvariantCulture)]], "row-report")).Append("</section>");
        }
        else sb.Append($"<p>Row report: all {table.Rows.Count} rows are kept (no cleaning).</p>");
        return Page("Data steps", "steps", sb.ToString(), Links(d));
    }

    static string Check(string name, string value, bool on, string text) =>
        $"<label class=\"check\"><input type=\"checkbox\" name=\"{name}\" value=\"{E(value)}\"{(on ? " checked" : "")}> {E(text)}</label>";

    public static string Train(Draft d, string? error = null, double budget = 60)
    {
        var sb = new StringBuilder(Error(error));
        sb.Append($"<p>Data <strong>{E(d.Dataset)}</strong>, label <strong>{E(d.Label)}</strong>, text {E(string.Join(", ", d.Text))}. " +
                  "The run is the CLI's <code>train</code> with AutoML; it is written to the workspace's runs/ folder with its trials in trials.db.</p>");
        sb.Append("<form method=\"post\" action=\"/runs\">").Append(d.Hidden());
        sb.Append("<fieldset><legend>Search</legend>");
        sb.Append($"<p><label for=\"budget\">Time budget (seconds)</label> <input id=\"budget\" name=\"budget\" type=\"number\" min=\"1\" step=\"1\" value=\"{budget.ToString(CultureInfo.InvariantCulture)}\" required></p>");
        sb.Append("<p><label for=\"tuner\">Tuner</label> <select id=\"tuner\" name=\"tuner\">");
        foreach (var t in RunConfig.Tuners) sb.Append($"<option{(t == "smac" ? " selected" : "")}>{t}</option>");
        sb.Append("</select></p><p><label for=\"parallel\">Parallel trials</label> <input id=\"parallel\" name=\"parallel\" type=\"number\" min=\"1\" max=\"16\" value=\"1\"></p>");
        sb.Append("<p><label for=\"maxtrials\">Most trials (optional)</label> <input id=\"maxtrials\" name=\"maxtrials\" type=\"number\" min=\"1\"></p></fieldset>");
        sb.Append("<fieldset><legend>Trainers</legend>");
        sb.Append("<label class=\"card\"><input type=\"radio\" name=\"trainer\" value=\"ngrams\" checked> <strong>N-grams + SDCA / LightGBM / …</strong><span>ML.NET text features and linear or tree trainers, searched by AutoML (fast on a CPU).</span></label>");
        sb.Append("<label class=\"card\"><input type=\"radio\" name=\"trainer\" value=\"embedding\"> <strong>Sentence embeddings</strong><span>A pretrained encoder's embeddings (all-MiniLM-L6-v2, when available offline) feed the AutoML trainers.</span></label>");
        sb.Append("<label class=\"card\"><input type=\"radio\" name=\"trainer\" value=\"bert\"> <strong>BERT fine-tuning</strong><span>Fine-tunes a BERT encoder with TorchSharp (slow on a CPU; a small BERT from scratch unless a pretrained one is named).</span></label>");
        sb.Append("<p><label for=\"pretrained\">Pretrained model (optional)</label> <input id=\"pretrained\" name=\"pretrained\" placeholder=\"all-MiniLM-L6-v2 or a folder\"></p></fieldset>");
        sb.Append("<button type=\"submit\" id=\"start\">Start training</button></form>");
        return Page("Train", "train", sb.ToString(), Links(d));
    }
}
