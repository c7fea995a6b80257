using MLNetLlm.Benchmarks.AutoML;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML;
using MLNetLlm.AutoML.Experiments;

namespace MLNetLlm.Benchmarks.Tests.AutoML;

/// <summary>A test-sized run of the SpamAssassin benchmark on the shipped sample (the real run is in docs/benchmarks.md).</summary>
[Trait("Speed", "Slow")]
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
        Assert.Contains("featurize_text ⇒ cache ⇒ sdca", r.Experiment.BestTrial.Pipeline);
        // the first trial is the baseline itself, the second the space's cheap default point
        var pipeline = SpamBenchmark.Pipeline(new Microsoft.ML.MLContext(0).Llm().Auto(), 1, linearOnly: true);
        var first = r.Experiment.Trials.Single(t => t.TrialSettings.TrialId == 1);
        Assert.Equal(SpamBenchmark.BaselineParameter(pipeline).ToJson(), first.TrialSettings.Parameter.ToJson());
        Assert.Equal("no_dedup ⇒ no_oversample ⇒ raw_text ⇒ featurize_text ⇒ cache ⇒ sdca", first.Pipeline);
        var second = r.Experiment.Trials.Single(t => t.TrialSettings.TrialId == 2);
        Assert.Equal("no_dedup ⇒ no_oversample ⇒ normalize ⇒ featurize_text ⇒ cache ⇒ sdca", second.Pipeline);
        Assert.Equal(2000, second.TrialSettings.Parameter["featurize_text"]["MaximumNgramsCount"].AsInt64());
        // the final pick is made by 5-fold cross-validation among the holdout leaders and the baseline, so it is
        // never worse than the baseline on that measure
        var cv = r.Experiment.CrossValidatedTrials;
        Assert.Equal(1, cv[0].TrialSettings.TrialId);
        Assert.All(cv.Where(t => t.IsSuccess), t => Assert.Equal(SpamBenchmark.SelectionFolds, t.FoldMetrics.Count));
        Assert.True(cv[0].IsSuccess, r.Report);
        Assert.True(r.Experiment.BestTrial.Metric >= cv[0].Metric, r.Report);
        Assert.Equal(cv.Where(t => t.IsSuccess).Max(t => t.Metric), r.Experiment.BestTrial.Metric);
        Assert.Contains("Cross-validated selection", r.Report);
    }

    [Fact]
    public void TheBaselinePointOfTheSpaceIsTheHandWrittenBaseline()
    {
        var data = SpamBenchmark.Load(SampleFile("sample-test.csv"));
        var auto = new Microsoft.ML.MLContext(0).Llm().Auto();
        var pipeline = SpamBenchmark.Pipeline(auto, threadsPerTrial: 1);
        var searched = pipeline.Fit(new Microsoft.ML.MLContext(7), SpamBenchmark.BaselineParameter(pipeline), data);
        var ml = new Microsoft.ML.MLContext(7);
        var baseline = ml.Transforms.Text.FeaturizeText("Features", "Text").AppendCacheCheckpoint(ml)
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(new Microsoft.ML.Trainers.SdcaLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 }))
            .Fit(data);
        var a = searched.Transform(data);
        var b = baseline.Transform(data);
        var fa = a.GetColumn<Microsoft.ML.Data.VBuffer<float>>("Features").ToArray();
        var fb = b.GetColumn<Microsoft.ML.Data.VBuffer<float>>("Features").ToArray();
        Assert.Equal(fb.Length, fa.Length);
        Assert.Equal(fb[0].Length, fa[0].Length); // same vocabulary: word unigrams + char trigrams, uncapped
        for (int i = 0; i < fa.Length; i++) Assert.Equal(fb[i].DenseValues().ToArray(), fa[i].DenseValues().ToArray());
        // same trainer settings: the same scores
        var sa = a.GetColumn<float>("Score").ToArray();
        var sb = b.GetColumn<float>("Score").ToArray();
        for (int i = 0; i < sa.Length; i++) AssertClose.Equal(sb[i], sa[i], abs: 1e-4);
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
