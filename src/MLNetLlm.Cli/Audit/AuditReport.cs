using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNetLlm.Fairness;
using ScottPlot;

namespace MLNetLlm.Cli.Audit;

/// <summary>The audit's outputs: a table on the console, audit.json, and report.html with a per-group chart.</summary>
internal static class AuditReport
{
    static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0000", CultureInfo.InvariantCulture);

    public static void Print(TextWriter w, FairnessReport report, string dataset)
    {
        w.WriteLine($"Fairness audit over '{report.SensitiveFeature}' ({report.Kind}) on {dataset}");
        foreach (var r in report.Results)
        {
            w.WriteLine();
            if (r.PositiveLabel != null) w.WriteLine($"positive label: {r.PositiveLabel}");
            w.WriteLine($"{"group",-24} {"count",7} {"select",7} {"acc",7} {"prec",7} {"recall",7} {"FPR",7} {"FNR",7} {"F1",7}");
            foreach (var g in r.Groups.Append(r.Overall))
                w.WriteLine($"{Clip(g.Group, 24),-24} {g.Count,7} {F(g.SelectionRate),7} {F(g.Accuracy),7} {F(g.Precision),7} {F(g.Recall),7} {F(g.FalsePositiveRate),7} {F(g.FalseNegativeRate),7} {F(g.F1),7}");
            var d = r.Disparities;
            w.WriteLine($"demographic parity: difference {F(d.DemographicParityDifference)}, ratio {F(d.DemographicParityRatio)}");
            w.WriteLine($"equalized odds:     difference {F(d.EqualizedOddsDifference)} (TPR {F(d.TruePositiveRateDifference)}, FPR {F(d.FalsePositiveRateDifference)}), ratio {F(d.EqualizedOddsRatio)}");
            w.WriteLine($"accuracy:           difference {F(d.AccuracyDifference)}, ratio {F(d.AccuracyRatio)}");
        }
    }

    static string Clip(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";

    static JsonNode? N(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 10)) : null;

    public static JsonObject ToJson(FairnessReport report, string model, string dataset, IReadOnlyDictionary<string, double?> thresholds, IReadOnlyList<string> exceeded)
    {
        JsonObject Metrics(GroupMetrics g) => new()
        {
            ["group"] = g.Group, ["count"] = g.Count,
            ["truePositives"] = g.TruePositives, ["falsePositives"] = g.FalsePositives, ["trueNegatives"] = g.TrueNegatives, ["falseNegatives"] = g.FalseNegatives,
            ["selectionRate"] = N(g.SelectionRate), ["accuracy"] = N(g.Accuracy), ["precision"] = N(g.Precision), ["recall"] = N(g.Recall),
            ["falsePositiveRate"] = N(g.FalsePositiveRate), ["falseNegativeRate"] = N(g.FalseNegativeRate), ["f1"] = N(g.F1),
        };
        var results = new JsonArray();
        foreach (var r in report.Results)
        {
            var d = r.Disparities;
            results.Add(new JsonObject
            {
                ["positiveLabel"] = r.PositiveLabel,
                ["overall"] = Metrics(r.Overall),
                ["byGroup"] = new JsonArray(r.Groups.Select(g => (JsonNode)Metrics(g)).ToArray()),
                ["disparities"] = new JsonObject
                {
                    ["demographicParityDifference"] = N(d.DemographicParityDifference), ["demographicParityRatio"] = N(d.DemographicParityRatio),
                    ["equalizedOddsDifference"] = N(d.EqualizedOddsDifference), ["equalizedOddsRatio"] = N(d.EqualizedOddsRatio),
                    ["truePositiveRateDifference"] = N(d.TruePositiveRateDifference), ["falsePositiveRateDifference"] = N(d.FalsePositiveRateDifference),
                    ["accuracyDifference"] = N(d.AccuracyDifference), ["accuracyRatio"] = N(d.AccuracyRatio),
                },
            });
        }
        var th = new JsonObject();
        foreach (var (k, v) in thresholds) th[k] = v is { } x ? JsonValue.Create(x) : null;
        return new JsonObject
        {
            ["model"] = model, ["dataset"] = dataset, ["sensitiveFeature"] = report.SensitiveFeature, ["kind"] = report.Kind,
            ["definitions"] = "Fairlearn MetricFrame, method=between_groups; 0/0 rates are 0 (scikit-learn zero_division); a ratio with max 0 is null (NaN)",
            ["results"] = results,
            ["thresholds"] = th,
            ["exceeded"] = new JsonArray(exceeded.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray()),
            ["passed"] = exceeded.Count == 0,
        };
    }

    public static void WriteJson(string path, JsonObject json) =>
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    public static void WriteHtml(string path, FairnessReport report, string model, string dataset, IReadOnlyList<string> exceeded)
    {
        static string H(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Fairness audit</title>\n");
        sb.Append("<style>body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222; } table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; } th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; } .fail { color: #a00; font-weight: bold; }</style>\n");
        sb.Append("</head>\n<body>\n<h1>Fairness audit</h1>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<p>Model <code>{H(model)}</code> on <code>{H(dataset)}</code>, grouped by <code>{H(report.SensitiveFeature)}</code> ({H(report.Kind)}). Definitions: Fairlearn's MetricFrame, between groups.</p>\n");
        if (exceeded.Count > 0) sb.Append(CultureInfo.InvariantCulture, $"<p class=\"fail\">Thresholds exceeded: {H(string.Join("; ", exceeded))}</p>\n");
        foreach (var r in report.Results)
        {
            if (r.PositiveLabel != null) sb.Append(CultureInfo.InvariantCulture, $"<h2>Positive label: {H(r.PositiveLabel)}</h2>\n");
            sb.Append("<table>\n<tr><th>group</th><th>count</th><th>selection rate</th><th>accuracy</th><th>precision</th><th>recall</th><th>FPR</th><th>FNR</th><th>F1</th></tr>\n");
            foreach (var g in r.Groups.Append(r.Overall))
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{H(g.Group)}</td><td class=\"num\">{g.Count}</td><td class=\"num\">{F(g.SelectionRate)}</td><td class=\"num\">{F(g.Accuracy)}</td><td class=\"num\">{F(g.Precision)}</td><td class=\"num\">{F(g.Recall)}</td><td class=\"num\">{F(g.FalsePositiveRate)}</td><td class=\"num\">{F(g.FalseNegativeRate)}</td><td class=\"num\">{F(g.F1)}</td></tr>\n");
            var d = r.Disparities;
            sb.Append("</table>\n<table>\n<tr><th>disparity</th><th>difference</th><th>ratio</th></tr>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>demographic parity (selection rate)</td><td class=\"num\">{F(d.DemographicParityDifference)}</td><td class=\"num\">{F(d.DemographicParityRatio)}</td></tr>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>equalized odds (worst of TPR {F(d.TruePositiveRateDifference)}, FPR {F(d.FalsePositiveRateDifference)})</td><td class=\"num\">{F(d.EqualizedOddsDifference)}</td><td class=\"num\">{F(d.EqualizedOddsRatio)}</td></tr>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>accuracy</td><td class=\"num\">{F(d.AccuracyDifference)}</td><td class=\"num\">{F(d.AccuracyRatio)}</td></tr>\n</table>\n");
            sb.Append(CultureInfo.InvariantCulture,
                $"<figure><img alt=\"metrics by group\" width=\"800\" height=\"420\" src=\"data:image/png;base64,{Convert.ToBase64String(Chart(r))}\"><figcaption>metrics by group{(r.PositiveLabel != null ? $" (positive: {H(r.PositiveLabel)})" : "")}</figcaption></figure>\n");
        }
        sb.Append("</body>\n</html>\n");
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>Grouped bars: selection rate, TPR, FPR and accuracy of each group (accuracy only for accuracy-only audits).</summary>
    internal static byte[] Chart(FairnessResult r)
    {
        var metrics = r.PositiveLabel == null
            ? new (string Name, Func<GroupMetrics, double> Pick)[] { ("accuracy", g => g.Accuracy) }
            : [("selection rate", g => g.SelectionRate), ("TPR (recall)", g => g.Recall), ("FPR", g => g.FalsePositiveRate), ("accuracy", g => g.Accuracy)];
        var plot = new Plot();
        int m = metrics.Length;
        for (int j = 0; j < m; j++)
        {
            var positions = r.Groups.Select((_, i) => i * (m + 1) + j + 0.0).ToArray();
            var values = r.Groups.Select(g => metrics[j].Pick(g)).Select(v => double.IsFinite(v) ? v : 0).ToArray();
            var bars = plot.Add.Bars(positions, values);
            bars.LegendText = metrics[j].Name;
        }
        plot.Axes.Bottom.SetTicks(r.Groups.Select((_, i) => i * (m + 1) + (m - 1) / 2.0).ToArray(), r.Groups.Select(g => g.Group).ToArray());
        plot.Axes.SetLimitsY(0, 1.05);
        plot.ShowLegend();
        plot.Title("metrics by group");
        return plot.GetImageBytes(800, 420, ImageFormat.Png);
    }
}
