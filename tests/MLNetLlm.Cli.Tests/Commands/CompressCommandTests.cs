using System.Globalization;
using System.Text.Json;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>A tiny BERT (the HF fixture fine-tuned by <c>train --trainer bert</c>) on synthetic spam/ham, trained once for the class.</summary>
public sealed class TinyBertModel : IDisposable
{
    readonly TempFolder _folder = new();

    public TinyBertModel()
    {
        Train = _folder.Write("train.csv", SyntheticData.Classification(80, seed: 1, "spam", "ham"));
        Test = _folder.Write("test.csv", SyntheticData.Classification(40, seed: 2, "spam", "ham"));
        string output = _folder.File("bert");
        CliResult.Run("train", "--dataset", Train, "--test-dataset", Test, "--positive-label", "spam", "--trainer", "bert",
            "--pretrained", HfFixture.Path(), "--epochs", "4", "--batch-size", "8", "--max-length", "32", "--learning-rate", "0.001",
            "--device", "cpu", "--output", output).AssertSuccess();
        Model = Path.Combine(output, "model.mlnetllm");
    }

    public string Train { get; }
    public string Test { get; }
    public string Model { get; }
    public TempFolder Folder => _folder;

    public void Dispose() => _folder.Dispose();
}

/// <summary>mlnet-llm compress: quantize / prune / distill a model from train --trainer bert, and its errors.</summary>
[Collection(TrainedModelsCollection.Name)]
public sealed class CompressCommandTests(TrainedModels models, TinyBertModel bert) : IClassFixture<TinyBertModel>, IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    static List<string[]> Predictions(string model, string input)
    {
        var r = CliResult.Run("predict", "--model", model, "--input", input, "--id-col", "Id");
        r.AssertSuccess();
        var table = DelimitedFile.Parse(r.Out, "predictions", ',');
        Assert.Equal(["Id", "PredictedLabel", "Probability", "Score"], table.Header);
        return table.Rows.Select(row => row.ToArray()).ToList();
    }

    static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Trait("Speed", "Slow")]
    [Fact]
    public void QuantizedModelPredictsLikeTheOriginalAndIsSmaller()
    {
        string output = _tmp.File("int8");
        var r = CliResult.Run("compress", "--model", bert.Model, "--method", "quantize", "--test-dataset", bert.Test,
            "--latency-repeats", "2", "--threads", "1", "--output", output);
        r.AssertSuccess();
        Assert.Contains("| size on disk |", r.Out);
        Assert.Matches(@"\| latency, batch 1, median of 2 \| [\d.]+ ms \(IQR [\d.]+ ms–[\d.]+ ms\) \| [\d.]+ ms \(IQR [\d.]+ ms–[\d.]+ ms\) \| ", r.Out);
        Assert.Contains("| latency, batch 32, median of 5 |", r.Out);
        Assert.Contains("2 (batch 1) / 5 (batch 32) timed Transform calls per model after 3 warm-up call(s) each", r.Out);
        Assert.Contains("| f1 |", r.Out);
        Assert.Contains("| size on disk |", File.ReadAllText(Path.Combine(output, "compression.md")));

        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json"))).RootElement;
        long originalBytes = report.GetProperty("original").GetProperty("bytes").GetInt64();
        long compressedBytes = report.GetProperty("compressed").GetProperty("bytes").GetInt64();
        Assert.Equal(new FileInfo(bert.Model).Length, originalBytes);
        Assert.Equal(new FileInfo(Path.Combine(output, "model.mlnetllm")).Length, compressedBytes);
        Assert.True(compressedBytes * 2 < originalBytes, $"int8 model {compressedBytes} B vs original {originalBytes} B");
        Assert.True(report.GetProperty("compressed").GetProperty("batch1Milliseconds").GetDouble() > 0);
        var b1 = report.GetProperty("compressed").GetProperty("batch1");
        Assert.Equal(2, b1.GetProperty("runs").GetInt32());
        Assert.InRange(b1.GetProperty("median").GetDouble(), b1.GetProperty("min").GetDouble(), b1.GetProperty("max").GetDouble());
        double originalF1 = report.GetProperty("original").GetProperty("metrics").GetProperty("metrics").GetProperty("f1").GetDouble();
        Assert.True(originalF1 > 0.8, $"the tiny model did not learn the data (F1 {originalF1}), so agreement would say little");

        // The compressed file is an ordinary model file: predict and evaluate load it like the original.
        string model = Path.Combine(output, "model.mlnetllm");
        var expected = Predictions(bert.Model, bert.Test);
        var actual = Predictions(model, bert.Test);
        Assert.Equal(40, actual.Count);
        int same = expected.Zip(actual).Count(p => p.First[1] == p.Second[1]);
        Assert.True(same >= 36, $"only {same}/40 predictions agree");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i][0], actual[i][0]);
            Assert.Equal(Number(expected[i][2]), Number(actual[i][2]), 0.05);
        }
        Assert.Equal(same / 40.0, report.GetProperty("agreement").GetDouble(), 1e-9);
        var eval = CliResult.Run("evaluate", "--model", model, "--dataset", bert.Test);
        eval.AssertSuccess();
        Assert.Contains("f1", eval.Out);
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void PruneAndDistillFineTuneOnTheTrainingData()
    {
        string pruned = _tmp.File("pruned"), student = _tmp.File("student");
        CliResult.Run("compress", "--model", bert.Model, "--method", "prune", "--sparsity", "0.5", "--head-fraction", "0.5", "--epochs", "1",
            "--dataset", bert.Train, "--latency-repeats", "0", "--device", "cpu", "--output", pruned).AssertSuccess();
        CliResult.Run("compress", "--model", bert.Model, "--method", "distill", "--student-layers", "1", "--epochs", "2", "--learning-rate", "0.001",
            "--temperature", "2", "--mode", "dynamic-int8", "--dataset", bert.Train, "--test-dataset", bert.Test, "--latency-repeats", "0",
            "--device", "cpu", "--output", student).AssertSuccess();

        Assert.Contains("prune (mode none, sparsity 0.5, head fraction 0.5, epochs 1)", File.ReadAllText(Path.Combine(pruned, "compression.md")));
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(student, "metrics.json"))).RootElement;
        Assert.StartsWith("distill (mode dynamic-int8, student layers 1", report.GetProperty("method").GetString());
        Assert.True(report.GetProperty("compressed").GetProperty("bytes").GetInt64() < report.GetProperty("original").GetProperty("bytes").GetInt64());
        foreach (var folder in new[] { pruned, student })
            Assert.Equal(40, Predictions(Path.Combine(folder, "model.mlnetllm"), bert.Test).Count);
    }

    [Fact]
    public void BadInputGivesOneLineErrors()
    {
        string Out() => _tmp.File("out");
        CliResult.Run("compress", "--model", models.BinaryModel, "--method", "quantize", "--output", Out())
            .AssertOneLineError("is not a BERT text classifier", "--trainer bert");
        CliResult.Run("compress", "--model", bert.Model, "--method", "shrink", "--output", Out())
            .AssertOneLineError("--method must be one of quantize, prune, distill", "'shrink'");
        CliResult.Run("compress", "--model", bert.Model, "--method", "prune", "--sparsity", "1.5", "--dataset", bert.Train, "--output", Out())
            .AssertOneLineError("--sparsity must be between 0 and 0.99", "1.5");
        CliResult.Run("compress", "--model", bert.Model, "--method", "prune", "--output", Out())
            .AssertOneLineError("--method prune fine-tunes", "--dataset");
        CliResult.Run("compress", "--model", bert.Model, "--method", "quantize", "--temperature", "3", "--output", Out())
            .AssertOneLineError("--temperature is an option of --method distill");
        CliResult.Run("compress", "--model", bert.Model, "--method", "quantize", "--mode", "int4", "--output", Out())
            .AssertOneLineError("--mode must be one of none, dynamic-int8, weight-only-int8");
        CliResult.Run("compress", "--model", _tmp.File("missing.mlnetllm"), "--method", "quantize", "--output", Out())
            .AssertOneLineError("missing.mlnetllm", "does not exist");

        // A compressed model has no float32 weights left: compressing it again is refused with the reason.
        string first = _tmp.File("first");
        CliResult.Run("compress", "--model", bert.Model, "--method", "quantize", "--latency-repeats", "0", "--output", first).AssertSuccess();
        CliResult.Run("compress", "--model", Path.Combine(first, "model.mlnetllm"), "--method", "quantize", "--output", Out())
            .AssertOneLineError("already compressed", "no float32 weights");
    }
}
