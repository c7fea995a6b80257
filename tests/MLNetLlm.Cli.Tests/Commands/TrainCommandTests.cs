using System.Text.Json;
using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Commands;

[Collection(TrainedModelsCollection.Name)]
public sealed class TrainCommandTests(TrainedModels models)
{
    static JsonElement Metrics(string output) => JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json"))).RootElement;

    [Fact]
    public void BinaryRunWritesModelMetricsAndConfig()
    {
        Assert.True(File.Exists(models.BinaryModel));
        Assert.True(File.Exists(Path.Combine(models.BinaryOutput, "run.json")));
        var m = Metrics(models.BinaryOutput);
        Assert.Equal("binary", m.GetProperty("task").GetString());
        Assert.Equal(64, m.GetProperty("trainRows").GetInt32()); // 80 less the stratified 0.2 validation split
        Assert.Equal(40, m.GetProperty("testRows").GetInt32());
        Assert.Equal("test", m.GetProperty("role").GetString());
        Assert.Equal(16, m.GetProperty("validation").GetProperty("testRows").GetInt32());
        var metrics = m.GetProperty("metrics");
        Assert.True(metrics.GetProperty("accuracy").GetDouble() > 0.85, metrics.ToString());
        Assert.True(metrics.GetProperty("auc").GetDouble() > 0.9, metrics.ToString());
        Assert.Equal(["ham", "spam"], m.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!));
        long total = m.GetProperty("confusionMatrix").EnumerateArray().SelectMany(r => r.EnumerateArray()).Sum(e => e.GetInt64());
        Assert.Equal(40, total);
    }

    [Fact]
    public void TrainingPrintsMetricsAndConfusionMatrix()
    {
        var folder = models.Folder;
        var r = CliResult.Run("train", "--dataset", models.BinaryTrain, "--test-dataset", models.BinaryTest,
            "--label-col", "Label", "--positive-label", "spam", "--text-col", "Text", "--output", folder.File("printed"));
        r.AssertSuccess();
        Assert.Contains("accuracy", r.Out);
        Assert.Contains("f1", r.Out);
        Assert.Contains("auc", r.Out);
        Assert.Contains("Confusion matrix", r.Out);
        Assert.Contains("train rows: 64", r.Out);
        Assert.Contains("(16 rows; trials were selected on it)", r.Out);
        Assert.Contains("(40 rows; read once, after the search, by the final model)", r.Out);
        // Not a terminal: plain progress lines, no ANSI escapes or live redraws.
        Assert.Matches(@"trial +1 +completed +f1 \d\.\d{4}", r.Out);
        Assert.Contains(": done in ", r.Out);
        Assert.DoesNotContain('\u001b', r.Out);
    }

    [Fact]
    public void MulticlassRunLearnsThreeClasses()
    {
        var m = Metrics(models.MulticlassOutput);
        Assert.Equal("multiclass", m.GetProperty("task").GetString());
        Assert.Equal(["ham", "spam", "sports"], m.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!));
        Assert.True(m.GetProperty("metrics").GetProperty("macroAccuracy").GetDouble() > 0.8, m.ToString());
        var cm = m.GetProperty("confusionMatrix").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt64()).ToArray()).ToArray();
        Assert.Equal(3, cm.Length);
        Assert.All(cm, row => Assert.Equal(15, row.Sum())); // 45 test rows, 15 per class
    }

    [Fact]
    public void SentencePairRegressionUsesBothTextColumns()
    {
        var m = Metrics(models.PairsOutput);
        Assert.Equal("regression", m.GetProperty("task").GetString());
        Assert.Equal(30, m.GetProperty("testRows").GetInt32()); // 25% of 120
        Assert.Equal(90, m.GetProperty("trainRows").GetInt32());
        var metrics = m.GetProperty("metrics");
        Assert.True(metrics.GetProperty("r2").GetDouble() > 0.5, metrics.ToString());
        Assert.True(metrics.GetProperty("pearson").GetDouble() > 0.7, metrics.ToString());
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(models.PairsOutput, "run.json"))).RootElement;
        Assert.Equal(["Sentence1", "Sentence2"], config.GetProperty("textColumns").EnumerateArray().Select(e => e.GetString()!));
    }

    [Fact]
    public void ConfigFileReproducesTheRun()
    {
        var output = models.Folder.File("rerun");
        var r = CliResult.Run("train", "--config", Path.Combine(models.BinaryOutput, "run.json"), "--output", output);
        r.AssertSuccess();
        Assert.Equal(Metrics(models.BinaryOutput).GetProperty("metrics").ToString(), Metrics(output).GetProperty("metrics").ToString());
        var rerunConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json"))).RootElement;
        Assert.Equal(Path.GetFullPath(output), rerunConfig.GetProperty("output").GetString());
        Assert.Equal("spam", rerunConfig.GetProperty("positiveLabel").GetString());
    }

    [Fact]
    public void SplitIsDeterministicAndDisjointForASeed()
    {
        var table = MLNetLlm.IO.DelimitedFile.Read(models.BinaryTrain);
        var (train1, test1) = Training.TrainingRun.Split(table, 0.25, seed: 7);
        var (train2, test2) = Training.TrainingRun.Split(table, 0.25, seed: 7);
        var (_, test3) = Training.TrainingRun.Split(table, 0.25, seed: 8);
        Assert.Equal(test1, test2);
        Assert.Equal(train1, train2);
        Assert.NotEqual(test1, test3);
        Assert.Equal(20, test1.Length);
        Assert.Empty(train1.Intersect(test1));
        Assert.Equal(80, train1.Union(test1).Count());
    }

    [Fact]
    public void StratifiedSplitKeepsEveryClassOnBothSides()
    {
        var path = models.Folder.Write("strat.csv", SyntheticData.Classification(90, 21, "spam", "ham", "sports"));
        var table = MLNetLlm.IO.DelimitedFile.Read(path);
        for (int seed = 0; seed < 20; seed++)
        {
            var (train, test) = Training.TrainingRun.Split(table, 0.2, seed, stratifyBy: "Label");
            Assert.Equal(18, test.Length);
            Assert.All(test.GroupBy(r => table.Rows[r][1]), g => Assert.Equal(6, g.Count()));
            Assert.Equal(72, train.Length);
        }
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void NormalizationIsOnByDefaultConfigurableAndRecorded()
    {
        var board = MLNetLlm.IO.DelimitedFile.Read(Path.Combine(models.BinaryOutput, "leaderboard.csv"));
        Assert.StartsWith("NormalizeText(", board.Rows[0][2]);
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(models.BinaryOutput, "run.json"))).RootElement;
        Assert.True(config.GetProperty("normalization").GetProperty("caseFolding").GetBoolean());

        string raw = models.Folder.File("raw");
        CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--no-normalize", "--output", raw).AssertSuccess();
        Assert.StartsWith("FeaturizeText(Text)", MLNetLlm.IO.DelimitedFile.Read(Path.Combine(raw, "leaderboard.csv")).Rows[0][2]);
        Assert.False(JsonDocument.Parse(File.ReadAllText(Path.Combine(raw, "run.json"))).RootElement.TryGetProperty("normalization", out _));

        string masked = models.Folder.File("masked");
        var r = CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--mask", "numbers", "--strip-email-headers", "--output", masked);
        r.AssertSuccess();
        var n = JsonDocument.Parse(File.ReadAllText(Path.Combine(masked, "run.json"))).RootElement.GetProperty("normalization");
        Assert.True(n.GetProperty("maskNumbers").GetBoolean());
        Assert.True(n.GetProperty("stripEmailHeaders").GetBoolean());
        Assert.False(n.GetProperty("maskUrls").GetBoolean());
    }
}
