using MLNetLlm.Cli.Evaluation;

namespace MLNetLlm.Cli.Reporting;

/// <summary>Writes a run's leaderboard (CSV and Markdown) and HTML report into its output folder.</summary>
internal static class RunReports
{
    public const string LeaderboardCsv = "leaderboard.csv";
    public const string LeaderboardMarkdown = "leaderboard.md";
    public const string ReportHtml = "report.html";

    public static Leaderboard Write(string outputFolder, string title, MetricsReport bestMetrics, IReadOnlyList<TrialResult> trials,
        IReadOnlyDictionary<string, string> settings)
    {
        var board = new Leaderboard(bestMetrics.PrimaryMetric, trials);
        board.WriteCsv(Path.Combine(outputFolder, LeaderboardCsv));
        board.WriteMarkdown(Path.Combine(outputFolder, LeaderboardMarkdown));
        HtmlReport.Write(Path.Combine(outputFolder, ReportHtml), title, bestMetrics, board, trials, settings);
        return board;
    }
}
