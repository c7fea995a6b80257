using System.Text.Json;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>train --trainer bert: fine-tunes the tiny HF BERT fixture with MLNetLlm.Torch on the CPU.</summary>
[Collection(TrainedModelsCollection.Name)]
public sealed class BertTrainTests(TrainedModels models) : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Trait("Speed", "Slow")]
    [Fact]
    public void FineTunedBertClassifiesAndIsServedByPredict()
    {
        string output = _tmp.File("bert");
        var r = CliResult.Run("train", "--dataset", models.BinaryTrain, "--test-dataset", models.BinaryTest, "--positive-label", "spam",
            "--trainer", "bert", "--pretrained", HfFixture.Path(), "--epochs", "4", "--batch-size", "8", "--max-length", "32",
            "--learning-rate", "0.001", "--device", "cpu", "--output", output);
        r.AssertSuccess();
        Assert.Matches(@"100%  epoch 4/4", r.Out); // the plain progress bar reached the end
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json"))).RootElement.GetProperty("metrics");
        Assert.True(metrics.GetProperty("accuracy").GetDouble() > 0.8, metrics.ToString());
        Assert.Contains("TextClassification(BERT " + Path.GetFileName(Path.TrimEndingDirectorySeparator(HfFixture.Path())), DelimitedFile.Read(Path.Combine(output, "leaderboard.csv")).Rows[0][2]);
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json"))).RootElement;
        Assert.Equal("bert", config.GetProperty("trainer").GetString());
        Assert.Equal(4, config.GetProperty("transformer").GetProperty("epochs").GetInt32());

        var pred = CliResult.RunWithInput("free cash prize winner click offer\nmeeting agenda review project notes\n", "predict", "--model", Path.Combine(output, "model.mlnetllm"));
        pred.AssertSuccess();
        var lines = pred.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("spam,", lines[1]);
        Assert.StartsWith("ham,", lines[2]);
    }

    [Fact]
    public void BertSettingsAreChecked()
    {
        string output = _tmp.File("bad");
        CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--epochs", "2", "--output", output)
            .AssertOneLineError("--trainer bert");
        CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--trainer", "bert", "--device", "tpu", "--output", output)
            .AssertOneLineError("--device", "tpu");
        CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--trainer", "bert", "--pretrained", _tmp.File("none"), "--output", output)
            .AssertOneLineError("--pretrained", "does not exist");
        CliResult.Run("train", "--dataset", models.PairsTrain, "--task", "regression", "--label-col", "Score", "--text-col", "Sentence1", "--trainer", "bert", "--output", output)
            .AssertOneLineError("two --text-col");
        CliResult.Run("train", "--dataset", models.PairsTrain, "--task", "regression", "--label-col", "Score", "--text-col", "Sentence1", "--text-col", "Sentence2",
                "--trainer", "bert", "--max-trials", "2", "--output", output)
            .AssertOneLineError("--trainer bert with AutoML", "binary or multiclass");
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void AutoMLSearchesTheFineTuningOptionsLeftOpenAndKeepsTheGivenOnes()
    {
        string output = _tmp.File("auto-bert");
        var r = CliResult.Run("train", "--dataset", models.BinaryTrain, "--test-dataset", models.BinaryTest, "--positive-label", "spam",
            "--trainer", "bert", "--pretrained", HfFixture.Path(), "--epochs", "1", "--batch-size", "8", "--max-length", "32", "--device", "cpu",
            "--max-trials", "3", "--tuner", "random", "--output", output);
        r.AssertSuccess();
        Assert.Contains("AutoML stopped: trial limit of 3", r.Out);

        var board = DelimitedFile.Read(Path.Combine(output, "leaderboard.csv"));
        Assert.Equal(3, board.Rows.Count);
        var parameters = board.Rows.Select(row => JsonDocument.Parse(row[board.ColumnIndex("Parameters")]).RootElement.GetProperty("transformer")).ToList();
        foreach (var p in parameters)
        {
            // Searched: the learning rate as a factor of the mode's default (a checkpoint is given: around its defaults),
            // mode (so LoRA / prompt tuning too), warm-up, weight decay ...
            Assert.True(p.TryGetProperty("LearningRateScale", out var scale) && scale.GetDouble() is >= 0.4 and <= 1.6, p.ToString());
            Assert.True(p.TryGetProperty("Mode", out _), p.ToString());
            // ... but never what the command line fixed.
            Assert.False(p.TryGetProperty("NumberOfEpochs", out _), p.ToString());
            Assert.False(p.TryGetProperty("BatchSize", out _), p.ToString());
            Assert.False(p.TryGetProperty("MaxLength", out _), p.ToString());
        }
        Assert.Equal(3, parameters.Select(p => p.GetProperty("LearningRateScale").GetDouble()).Distinct().Count());
        Assert.All(board.Rows, row => Assert.Equal("completed", row[board.ColumnIndex("Status")]));

        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json"))).RootElement;
        Assert.Equal(1, config.GetProperty("transformer").GetProperty("epochs").GetInt32());
        Assert.Equal(3, config.GetProperty("maxTrials").GetInt32());
        var pred = CliResult.Run("predict", "--model", Path.Combine(output, "model.mlnetllm"), "--input", models.BinaryTest);
        pred.AssertSuccess();
        Assert.Equal(41, pred.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void ASearchFromScratchHasNoLoRAOrPromptDimensions()
    {
        var fromScratch = MLNetLlm.Cli.Training.AutoPipelineFactory.SearchedOptions(new MLNetLlm.Cli.Training.TransformerSettings { LearningRate = 1e-3 });
        Assert.Equal(["BatchSize", "MaxLength", "NumberOfEpochs", "WarmupFraction", "WeightDecay"], fromScratch.ToArray());
        var pretrained = MLNetLlm.Cli.Training.AutoPipelineFactory.SearchedOptions(new MLNetLlm.Cli.Training.TransformerSettings { Pretrained = "x", Epochs = 2 });
        Assert.Contains("Mode", pretrained);
        Assert.Contains("LoraRank", pretrained);
        Assert.Contains("LearningRateScale", pretrained);  // around each mode's default, not the from-scratch range
        Assert.DoesNotContain("LearningRate", pretrained);
        Assert.DoesNotContain("NumberOfEpochs", pretrained);
    }
}
