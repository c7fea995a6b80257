using System.Globalization;
using System.Text;
using MLNetLlm.Cli.Evaluation;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Reporting;

/// <summary>The trials of a run ranked by the primary metric, best first (failed trials last), as CSV and Markdown.</summary>
internal sealed class Leaderboard
{
    public Leaderboard(string metric, IEnumerable<TrialResult> trials)
    {
        Metric = metric;
        bool lower = MetricsReport.LowerIsBetter(metric);
        Ranked = trials
            .OrderBy(t => t.Metric is { } m && !double.IsNaN(m) ? 0 : 1)
            .ThenByDescending(t => t.Fidelity) // full-fidelity trials first: lower rungs trained on fewer rows
            .ThenBy(t => t.Metric is { } m && !double.IsNaN(m) ? (lower ? m : -m) : 0)
            .ThenBy(t => t.Number)
            .ToList();
    }

    /// <summary>The metric trials are ranked by (on the validation data).</summary>
    public string Metric { get; }

    /// <summary>The trials, best first.</summary>
    public IReadOnlyList<TrialResult> Ranked { get; }

    /// <summary>The best completed trial, or null when none completed.</summary>
    public TrialResult? Best => Ranked.FirstOrDefault(t => t.Metric is { } m && !double.IsNaN(m));

    /// <summary>The metric column's header: the metric, named as what it is measured on.</summary>
    public string MetricHeader => $"validation {Metric}";

    string[] Header => ["Rank", "Trial", "Pipeline", MetricHeader, "Fidelity", "Seconds", "Status", "Parameters"];

    IEnumerable<string[]> Rows => Ranked.Select((t, i) => new[]
    {
        (i + 1).ToString(CultureInfo.InvariantCulture), t.Number.ToString(CultureInfo.InvariantCulture), t.Pipeline,
        t.Metric is { } m ? MetricsReport.Format(m) : "", t.Fidelity.ToString("0.###", CultureInfo.InvariantCulture),
        t.Seconds.ToString("0.00", CultureInfo.InvariantCulture), t.Status, t.Parameters ?? "",
    });

    public void WriteCsv(string path) => DelimitedFile.Write(path, Header, Rows);

    public void WriteMarkdown(string path) => File.WriteAllText(path, ToMarkdown());

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", Header).Append(" |\n");
        sb.Append("|").AppendJoin("|", Header.Select((_, i) => i is 0 or 1 or 3 or 4 or 5 ? "---:" : "---")).Append("|\n");
        foreach (var row in Rows) sb.Append("| ").AppendJoin(" | ", row.Select(Cell)).Append(" |\n");
        return sb.ToString();
    }

    static string Cell(string s) => s.Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ");
}
