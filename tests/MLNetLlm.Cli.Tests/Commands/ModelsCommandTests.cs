using System.Text.Json;
using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>models list / pull and --pretrained NAME (the catalogue converts into the user's model cache, as for a user).</summary>
[Collection(TrainedModelsCollection.Name)]
public sealed class ModelsCommandTests(TrainedModels models) : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void ModelsListShowsNamesLicencesAndTheCache()
    {
        var r = CliResult.Run("models", "list");
        r.AssertSuccess();
        Assert.Contains("Model cache: ", r.Out);
        foreach (var name in new[] { "all-MiniLM-L6-v2", "arctic-embed-xs" })
        {
            var row = r.Out.Split('\n').First(l => l.StartsWith(name + " ", StringComparison.Ordinal));
            Assert.Contains("Apache-2.0", row);
            Assert.Contains("MIT", row);
            Assert.Contains("24.9.52193", row);
            Assert.Matches(@"\d+\.\d MB", row); // converted size, or the ONNX size read from the package in the NuGet cache
        }
    }

    [Fact]
    public void UnknownNamesAndBadFilesAreOneLineErrors()
    {
        CliResult.Run("models", "pull", "bert-huge-9000").AssertOneLineError("bert-huge-9000", "all-MiniLM-L6-v2", "arctic-embed-xs");
        File.WriteAllText(_tmp.File("model.bin"), "x");
        CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--trainer", "bert", "--pretrained", _tmp.File("model.bin"), "--output", _tmp.File("o"))
            .AssertOneLineError("--pretrained", "not an .onnx model");
        File.WriteAllText(_tmp.File("lonely.onnx"), "x");
        CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--trainer", "bert", "--pretrained", _tmp.File("lonely.onnx"), "--output", _tmp.File("o"))
            .AssertOneLineError("--pretrained", "vocab.txt");
    }

    [Fact]
    public void TrainWithACatalogueNameFineTunesMiniLMAndRecordsTheName()
    {
        string output = _tmp.File("minilm");
        var r = CliResult.Run("train", "--dataset", models.BinaryTrain, "--test-dataset", models.BinaryTest, "--positive-label", "spam",
            "--trainer", "bert", "--pretrained", "all-MiniLM-L6-v2", "--epochs", "1", "--batch-size", "16", "--max-length", "16",
            "--device", "cpu", "--output", output);
        r.AssertSuccess();
        Assert.Matches(@"100%  epoch 1/1", r.Out);
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json"))).RootElement;
        Assert.Equal("all-MiniLM-L6-v2", config.GetProperty("transformer").GetProperty("pretrained").GetString()); // the name, not a cache path
        var pred = CliResult.Run("predict", "--model", Path.Combine(output, "model.mlnetllm"), "--input", models.BinaryTest);
        pred.AssertSuccess();
    }
}
