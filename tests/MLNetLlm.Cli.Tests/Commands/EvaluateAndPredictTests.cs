using System.Globalization;
using System.Text.Json;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Commands;

[Collection(TrainedModelsCollection.Name)]
public sealed class EvaluateAndPredictTests(TrainedModels models) : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void EvaluateGivesTheMetricsTrainMeasuredOnTheSameFile()
    {
        string json = _tmp.File("eval.json");
        var r = CliResult.Run("evaluate", "--model", models.BinaryModel, "--dataset", models.BinaryTest, "--output", json);
        r.AssertSuccess();
        Assert.Contains("accuracy", r.Out);
        var trained = JsonDocument.Parse(File.ReadAllText(Path.Combine(models.BinaryOutput, "metrics.json"))).RootElement;
        var evaluated = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(trained.GetProperty("metrics").ToString(), evaluated.GetProperty("metrics").ToString());
        Assert.Equal(trained.GetProperty("confusionMatrix").ToString(), evaluated.GetProperty("confusionMatrix").ToString());
    }

    [Fact]
    public void EvaluateMulticlassModelInAFreshLoad()
    {
        var r = CliResult.Run("evaluate", "--model", models.MulticlassModel, "--dataset", models.MulticlassTest);
        r.AssertSuccess();
        Assert.Contains("macroAccuracy", r.Out);
        Assert.Contains("sports", r.Out);
    }

    [Fact]
    public void PredictFileWritesOneRowPerInputRowWithIds()
    {
        string output = _tmp.File("pred.csv");
        var r = CliResult.Run("predict", "--model", models.BinaryModel, "--input", models.BinaryTest, "--id-col", "Id", "--output", output);
        r.AssertSuccess();
        var pred = DelimitedFile.Read(output);
        var input = DelimitedFile.Read(models.BinaryTest);
        Assert.Equal(["Id", "PredictedLabel", "Probability", "Score"], pred.Header);
        Assert.Equal(input.Column("Id"), pred.Column("Id"));
        var truth = input.Column("Label");
        var predicted = pred.Column("PredictedLabel");
        double accuracy = truth.Zip(predicted).Count(p => p.First == p.Second) / (double)truth.Length;
        Assert.True(accuracy > 0.85, $"accuracy {accuracy}");
        foreach (var (label, p) in predicted.Zip(pred.Column("Probability")))
        {
            double prob = double.Parse(p, CultureInfo.InvariantCulture);
            Assert.InRange(prob, 0, 1);
            Assert.Equal(label == "spam", prob > 0.5);
        }
    }

    [Fact]
    public void PredictReadsPlainLinesFromStandardInput()
    {
        var r = CliResult.RunWithInput("free cash prize winner click offer\nmeeting agenda review project notes\n",
            "predict", "--model", models.BinaryModel);
        r.AssertSuccess();
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("spam,", lines[1]);
        Assert.StartsWith("ham,", lines[2]);
    }

    [Fact]
    public void PredictJsonLinesForMulticlassGivesClassProbabilities()
    {
        var r = CliResult.RunWithInput("{\"Id\": 7, \"Text\": \"goal match league coach player\"}\n",
            "predict", "--model", models.MulticlassModel, "--format", "jsonl", "--id-col", "Id");
        r.AssertSuccess();
        var obj = JsonDocument.Parse(r.Out.Trim()).RootElement;
        Assert.Equal("7", obj.GetProperty("id").GetString());
        Assert.Equal("sports", obj.GetProperty("predictedLabel").GetString());
        var classes = obj.GetProperty("classes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal(["ham", "spam", "sports"], classes.Keys.Order());
        AssertClose.Equal(1.0, classes.Values.Sum(), abs: 1e-3);
        Assert.Equal("sports", classes.MaxBy(kv => kv.Value).Key);
    }

    [Fact]
    public void PredictSentencePairsScoresFollowTheLabelRule()
    {
        var input = _tmp.Write("pairs.jsonl",
            "{\"Sentence1\": \"free cash winner prize offer\", \"Sentence2\": \"cheap money urgent click viagra\"}\n" +
            "{\"Sentence1\": \"meeting report agenda draft notes\", \"Sentence2\": \"match goal league season coach\"}\n");
        var r = CliResult.Run("predict", "--model", models.PairsModel, "--input", input);
        r.AssertSuccess();
        var rows = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Score", rows[0]);
        double both = double.Parse(rows[1], CultureInfo.InvariantCulture), neither = double.Parse(rows[2], CultureInfo.InvariantCulture);
        Assert.True(both > 0.6 && neither < 0.4, $"both-spam {both}, neither {neither}");
    }
}
