using System.Text.RegularExpressions;
using MLNetLlm.Cli.Reporting;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Reporting;

[Collection(TrainedModelsCollection.Name)]
public sealed class ReportTests(TrainedModels models)
{
    static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void LeaderboardRanksBestFirstAndFailedTrialsLast()
    {
        TrialResult[] trials =
        [
            new(1, "a", 0.70, 1, "completed", 1), new(2, "b", null, 1, "failed", 2),
            new(3, "c", 0.90, 1, "completed", 3), new(4, "d", 0.80, 1, "completed", 4),
        ];
        Assert.Equal([3, 4, 1, 2], new Leaderboard("f1", trials).Ranked.Select(t => t.Number));
        Assert.Equal([1, 4, 3, 2], new Leaderboard("rmse", trials).Ranked.Select(t => t.Number)); // lower is better
        Assert.Equal(3, new Leaderboard("f1", trials).Best!.Number);
        Assert.Null(new Leaderboard("f1", [trials[1]]).Best);
    }

    [Fact]
    public void MarkdownLeaderboardEscapesPipes()
    {
        var md = new Leaderboard("f1", [new TrialResult(1, "A | B", 0.5, 2, "completed", 2)]).ToMarkdown();
        var lines = md.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains("A \\| B", lines[2]);
    }

    [Fact]
    public void TrainWritesLeaderboardsAndAnHtmlReportWithEmbeddedPngCharts()
    {
        var csv = DelimitedFile.Read(Path.Combine(models.MulticlassOutput, RunReports.LeaderboardCsv));
        Assert.Equal(["Rank", "Trial", "Pipeline", "validation macroAccuracy", "Fidelity", "Seconds", "Status", "Parameters"], csv.Header);
        Assert.Single(csv.Rows);
        Assert.Contains("SdcaMaximumEntropy", csv.Rows[0][2]);
        Assert.True(File.Exists(Path.Combine(models.MulticlassOutput, RunReports.LeaderboardMarkdown)));

        string html = File.ReadAllText(Path.Combine(models.MulticlassOutput, RunReports.ReportHtml));
        var images = Regex.Matches(html, "data:image/png;base64,([A-Za-z0-9+/=]+)").Select(m => Convert.FromBase64String(m.Groups[1].Value)).ToArray();
        Assert.Equal(3, images.Length); // metric per trial, best so far, confusion matrix
        Assert.All(images, png => Assert.Equal(PngSignature, png.Take(8)));
        Assert.All(images, png => Assert.True(png.Length > 2000, "a chart should not be blank"));
        Assert.Contains("<th>sports</th>", html);

        // Regression has no confusion matrix.
        string pairs = File.ReadAllText(Path.Combine(models.PairsOutput, RunReports.ReportHtml));
        Assert.Equal(2, Regex.Matches(pairs, "data:image/png;base64,").Count);
    }
}
