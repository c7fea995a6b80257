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

    [Fact]
    public void Fine_tuned_bert_classifies_and_is_served_by_predict()
    {
        string output = _tmp.File("bert");
        var r = CliResult.Run("train", "--dataset", models.BinaryTrain, "--test-dataset", models.BinaryTest, "--positive-label", "spam",
            "--trainer", "bert", "--pretrained", HfFixture.Path(), "--epochs", "4", "--batch-size", "8", "--max-length", "32",
            "--learning-rate", "0.001", "--device", "cpu", "--output", output);
        r.AssertSuccess();
        Assert.Matches(@"100%  epoch 4/4", r.Out); // the plain progress bar reached the end
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json"))).RootElement.GetProperty("metrics");
        Assert.True(metrics.GetProperty("accuracy").GetDouble() > 0.8, metrics.ToString());
        Assert.Contains("TextClassification(BERT hf-tiny-bert", DelimitedFile.Read(Path.Combine(output, "leaderboard.csv")).Rows[0][2]);
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
    public void Bert_settings_are_checked()
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
    }
}
