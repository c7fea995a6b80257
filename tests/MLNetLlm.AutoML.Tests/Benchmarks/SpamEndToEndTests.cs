using MLNetLlm.AutoML.Benchmarks;
using MLNetLlm.AutoML.Experiments;

namespace MLNetLlm.AutoML.Tests.Benchmarks;

/// <summary>A test-sized run of the SpamAssassin benchmark on the shipped sample (the real run is in docs/benchmarks.md).</summary>
public sealed class SpamEndToEndTests
{
    static string SampleFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "data", "spam", name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"data/spam/{name} not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>Every <paramref name="step"/>-th row of a sample file (sorted by folder, so both labels stay), in a temporary file.</summary>
    static string Every(string name, int step)
    {
        var table = MLNetLlm.IO.DelimitedFile.Read(SampleFile(name));
        string path = Path.Combine(Path.GetTempPath(), $"spam-{step}-{Guid.NewGuid():N}.csv");
        MLNetLlm.IO.DelimitedFile.Write(path, table.Header, table.Rows.Where((_, i) => i % step == 0));
        return path;
    }

    [Fact]
    public async Task AFewTrialsOnTheSampleBeatOrMatchTheBaselineAndReportALeaderboard()
    {
        string train = Every("sample-train.csv", 3), test = Every("sample-test.csv", 2);
        SpamBenchmarkResult r;
        try
        {
            r = await SpamBenchmark.RunAsync(train, test, seconds: 600, maxTrials: 3,
                parallelism: 1, linearOnly: true);
        }
        finally
        {
            File.Delete(train);
            File.Delete(test);
        }
        Assert.Equal(3, r.Experiment.Trials.Count);
        Assert.True(r.Experiment.Leaderboard.Count >= 1, r.Report);
        Assert.InRange(r.BaselineF1, 0.5, 1.0);
        Assert.True(r.BestF1 > 0.8, r.Report);
        Assert.Contains("| Baseline: FeaturizeText + SDCA logistic regression |", r.Report);
        Assert.Contains("⇒ normalize ⇒ featurize_text ⇒", r.Experiment.BestTrial.Pipeline);
        // the first trial is the cheap one: every stage's default, with a small n-gram cap
        var first = r.Experiment.Trials.Single(t => t.TrialSettings.TrialId == 1);
        Assert.Equal("none ⇒ normalize ⇒ featurize_text ⇒ cache ⇒ sdca", first.Pipeline);
        Assert.Equal(2000, first.TrialSettings.Parameter["featurize_text"]["MaximumNgramsCount"].AsInt64());
    }

    [Fact]
    public void LabelsOtherThanSpamOrHamNameTheirLine()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bad-spam-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "Id,Group,Label,Text\n1,g,spam,hello\n2,g,maybe,there\n");
        try
        {
            var e = Assert.Throws<MLNetLlm.IO.DataFileException>(() => SpamBenchmark.Load(path));
            Assert.Contains("line 3, column 'Label': 'maybe' is neither spam nor ham", e.Message);
        }
        finally { File.Delete(path); }
    }
}
