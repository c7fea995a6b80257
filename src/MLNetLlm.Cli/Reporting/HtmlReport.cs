using System.Globalization;
using System.Net;
using System.Text;
using MLNetLlm.Cli.Evaluation;

namespace MLNetLlm.Cli.Reporting;

/// <summary>
/// A self-contained HTML report of a run: the best model's metrics, the leaderboard, and ScottPlot charts (metric per
/// trial, best so far over time, confusion matrix) embedded as base64 PNGs, so the file can be mailed or archived alone.
/// </summary>
internal static class HtmlReport
{
    public static void Write(string path, string title, MetricsReport metrics, Leaderboard leaderboard, IReadOnlyList<TrialResult> trials,
        IReadOnlyDictionary<string, string> settings)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<title>{H(title)}</title>\n");
        sb.Append("""
            <style>
            body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222; }
            table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
            th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            tr.best { background: #eaf5ea; }
            .charts { display: flex; flex-wrap: wrap; gap: 1rem; }
            .charts figure { margin: 0; }
            </style>

            """);
        sb.Append("</head>\n<body>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<h1>{H(title)}</h1>\n");

        sb.Append("<h2>Run</h2>\n<table>\n");
        foreach (var (k, v) in settings) sb.Append(CultureInfo.InvariantCulture, $"<tr><th>{H(k)}</th><td>{H(v)}</td></tr>\n");
        var validation = metrics.Validation ?? (metrics.Role == "validation" ? metrics : null);
        var test = metrics.Role == "test" ? metrics : null;
        if (validation is null && test is null)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><th>evaluation data</th><td>{H(metrics.Dataset)} ({metrics.TestRows} rows)</td></tr>\n");
        if (validation is not null)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><th>validation data (selects)</th><td>{H(validation.Dataset)} ({validation.TestRows} rows)</td></tr>\n");
        if (test is not null)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><th>test data (read once, by the final model)</th><td>{H(test.Dataset)} ({test.TestRows} rows)</td></tr>\n");
        if (metrics.TrainRows is { } tr) sb.Append(CultureInfo.InvariantCulture, $"<tr><th>training rows</th><td class=\"num\">{tr}</td></tr>\n");
        if (metrics.Search is { } search)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><th>selected by</th><td>validation {H(search.SelectedBy)}</td></tr>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<tr><th>trials</th><td>{search.TrialsStarted} started, {search.TrialsCompleted} completed; fidelities " +
                $"{H(string.Join(", ", search.Fidelities.Zip(search.TrialsPerFidelity.Concat(Enumerable.Repeat(0, search.Fidelities.Count))).Select(p => FormattableString.Invariant($"{p.First:0.###} ({p.Second})"))))}" +
                $"{(search.SkippedProposals > 0 ? $"; {search.SkippedProposals} skipped by the cost model" : "")}</td></tr>\n");
            if (search.Baseline is { } rule) sb.Append(CultureInfo.InvariantCulture, $"<tr><th>default pipeline</th><td>{H(rule)}</td></tr>\n");
            if (search.ImbalanceRatio is { } ratio)
                sb.Append(CultureInfo.InvariantCulture, $"<tr><th>class imbalance</th><td>largest/smallest {ratio:0.#}:1; balancing: {H(search.Balance ?? "none")}</td></tr>\n");
        }
        sb.Append("</table>\n");

        if (validation is not null && test is not null)
        {
            sb.Append("<h2>Final model</h2>\n<table>\n<tr><th>metric</th><th>validation</th><th>test</th></tr>\n");
            foreach (var (name, value) in test.Metrics)
                sb.Append(CultureInfo.InvariantCulture,
                    $"<tr{(name == metrics.PrimaryMetric ? " class=\"best\"" : "")}><td>{H(name)}</td><td class=\"num\">{MetricsReport.Format(validation.Metrics.GetValueOrDefault(name, double.NaN))}</td><td class=\"num\">{MetricsReport.Format(value)}</td></tr>\n");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"<h2>Final model{(metrics.Role is { } role ? $" ({H(role)} data)" : "")}</h2>\n<table>\n<tr><th>metric</th><th>value</th></tr>\n");
            foreach (var (name, value) in metrics.Metrics)
                sb.Append(CultureInfo.InvariantCulture,
                    $"<tr{(name == metrics.PrimaryMetric ? " class=\"best\"" : "")}><td>{H(name)}</td><td class=\"num\">{MetricsReport.Format(value)}</td></tr>\n");
        }
        sb.Append("</table>\n");
        if (metrics.Classes is { Count: > 0 } classes && metrics.ConfusionMatrix is { } cm)
        {
            sb.Append("<table>\n<tr><th>actual \\ predicted</th>");
            foreach (var c in classes) sb.Append(CultureInfo.InvariantCulture, $"<th>{H(c)}</th>");
            sb.Append("</tr>\n");
            for (int r = 0; r < classes.Count; r++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr><th>{H(classes[r])}</th>");
                foreach (var n in cm[r]) sb.Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{n}</td>");
                sb.Append("</tr>\n");
            }
            sb.Append("</table>\n");
        }

        sb.Append("<h2>Charts</h2>\n<div class=\"charts\">\n");
        Figure(sb, "metric per trial", ReportCharts.MetricPerTrial(leaderboard.Metric, trials));
        Figure(sb, "best so far", ReportCharts.BestSoFar(leaderboard.Metric, trials));
        if (metrics.Classes is { Count: > 0 } cls && metrics.ConfusionMatrix is { } matrix)
            Figure(sb, "confusion matrix", ReportCharts.ConfusionMatrix(cls, matrix));
        sb.Append("</div>\n");

        sb.Append(CultureInfo.InvariantCulture, $"<h2>Leaderboard ({leaderboard.Ranked.Count} trial(s), by {H(leaderboard.MetricHeader)})</h2>\n<table>\n");
        sb.Append("<tr><th>rank</th><th>trial</th><th>pipeline</th>")
          .Append(CultureInfo.InvariantCulture, $"<th>{H(leaderboard.MetricHeader)}</th><th>fidelity</th><th>seconds</th><th>status</th><th>parameters</th></tr>\n");
        for (int i = 0; i < leaderboard.Ranked.Count; i++)
        {
            var t = leaderboard.Ranked[i];
            sb.Append(CultureInfo.InvariantCulture, $"<tr{(t == leaderboard.Best ? " class=\"best\"" : "")}><td class=\"num\">{i + 1}</td><td class=\"num\">{t.Number}</td>")
              .Append(CultureInfo.InvariantCulture, $"<td>{H(t.Pipeline)}</td><td class=\"num\">{(t.Metric is { } m ? MetricsReport.Format(m) : "")}</td><td class=\"num\">{t.Fidelity:0.###}</td>")
              .Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{t.Seconds:0.00}</td><td>{H(t.Status)}</td><td><code>{H(t.Parameters ?? "")}</code></td></tr>\n");
        }
        sb.Append("</table>\n</body>\n</html>\n");
        File.WriteAllText(path, sb.ToString());
    }

    static void Figure(StringBuilder sb, string caption, byte[] png) =>
        sb.Append(CultureInfo.InvariantCulture,
            $"<figure><img alt=\"{H(caption)}\" width=\"640\" height=\"400\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"><figcaption>{H(caption)}</figcaption></figure>\n");

    static string H(string s) => WebUtility.HtmlEncode(s);
}
