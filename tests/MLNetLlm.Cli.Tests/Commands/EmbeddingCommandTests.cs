using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;
using MLNetLlm.Torch;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary><c>embed</c> and <c>train --featurizer embedding</c> over the tiny HF BERT fixture (shapes come from its config).</summary>
public sealed class EmbeddingCommandTests : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    static int HiddenSize => JsonDocument.Parse(File.ReadAllText(Path.Combine(HfFixture.Path(), "config.json"))).RootElement.GetProperty("hidden_size").GetInt32();

    static readonly string[] Texts =
    [
        "free cash prize, click now",
        "meeting agenda for \"monday\"",
        "a much longer text about the quarterly project review and the minutes of the last meeting with the whole team",
        "",
        "Café naïve résumé",
        "short",
    ];

    static string Csv(IEnumerable<string> texts) =>
        "Id,Text\n" + string.Concat(texts.Select((t, i) => $"{i},\"{t.Replace("\"", "\"\"")}\"\n"));

    static float[][] Parse(string jsonLines) =>
        jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToArray();

    static float[] Reference(string text, bool normalize = true)
    {
        using var model = new MLContext().Llm().SentenceEmbedding(options: new() { PretrainedModel = HfFixture.Path(), Device = "cpu", NumberOfThreads = 1, Normalize = normalize })
            .Fit(new MLContext().Data.LoadFromEnumerable(new[] { new { Text = "" } }));
        return model.Embed([text])[0];
    }

    [Fact]
    public void EmbedWritesOneJsonLinePerInputRowInInputOrder()
    {
        string input = _tmp.Write("texts.csv", Csv(Texts));
        string output = _tmp.File("out/embeddings.jsonl");
        var r = CliResult.Run("embed", "--model", HfFixture.Path(), "--input", input, "--text-col", "Text", "--output", output, "--batch-size", "4", "--threads", "1", "--device", "cpu");
        r.AssertSuccess();
        Assert.Contains($"Wrote {Texts.Length} embeddings of {HiddenSize} values", r.Out);
        var vectors = Parse(File.ReadAllText(output));
        Assert.Equal(Texts.Length, vectors.Length);
        for (int i = 0; i < Texts.Length; i++)
        {
            var expected = Reference(Texts[i]);
            Assert.Equal(HiddenSize, vectors[i].Length);
            for (int j = 0; j < expected.Length; j++)
                Assert.True(Math.Abs(expected[j] - vectors[i][j]) <= 1e-5f, $"row {i} value {j}: expected {expected[j]}, got {vectors[i][j]}");
            Assert.Equal(1.0, Math.Sqrt(vectors[i].Sum(x => (double)x * x)), 4);
        }
        Assert.False(Directory.EnumerateFiles(Path.GetDirectoryName(output)!).Any(f => f.Contains(".tmp-")), "no temporary file is left behind");
    }

    [Fact]
    public void EmbedReadsPlainLinesFromStandardInputAndWritesStandardOutput()
    {
        var r = CliResult.RunWithInput("first line\nsecond, longer line of text\n", "embed", "--model", HfFixture.Path(), "--input", "-", "--no-normalize", "--threads", "1", "--device", "cpu");
        r.AssertSuccess();
        var vectors = Parse(r.Out);
        Assert.Equal(2, vectors.Length);
        var expected = Reference("second, longer line of text", normalize: false);
        for (int j = 0; j < expected.Length; j++) Assert.True(Math.Abs(expected[j] - vectors[1][j]) <= 1e-5f, $"value {j}");
    }

    [Fact]
    public void EmbedBadInputGetsOneLineErrorsNamingFileColumnAndOption()
    {
        string input = _tmp.Write("texts.csv", Csv(Texts));
        string output = _tmp.File("never.jsonl");
        CliResult.Run("embed", "--model", HfFixture.Path(), "--input", input, "--text-col", "Body", "--output", output).AssertOneLineError("Body", "texts.csv");
        CliResult.Run("embed", "--model", HfFixture.Path(), "--input", _tmp.File("missing.csv")).AssertOneLineError("missing.csv");
        CliResult.Run("embed", "--model", _tmp.File("no-model"), "--input", input, "--output", output).AssertOneLineError("--model", "no-model");
        CliResult.Run("embed", "--model", HfFixture.Path(), "--input", input, "--batch-size", "0").AssertOneLineError("--batch-size");
        CliResult.Run("embed", "--model", HfFixture.Path(), "--input", input, "--max-length", "100000", "--device", "cpu").AssertOneLineError("--model", "max_position_embeddings");
        string jsonl = _tmp.Write("rows.jsonl", "{\"Text\":\"fine\"}\n{\"Body\":\"no text\"}\n");
        CliResult.Run("embed", "--model", HfFixture.Path(), "--input", jsonl).AssertOneLineError("rows.jsonl line 2", "'Text'");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void TrainWithEmbeddingFeaturesFitsSdcaSavesAndPredicts()
    {
        string train = _tmp.Write("train.csv", SyntheticData.Classification(80, seed: 1, "spam", "ham"));
        string test = _tmp.Write("test.csv", SyntheticData.Classification(40, seed: 2, "spam", "ham"));
        string output = _tmp.File("embedding");
        var r = CliResult.Run("train", "--dataset", train, "--test-dataset", test, "--positive-label", "spam", "--featurizer", "embedding",
            "--pretrained", HfFixture.Path(), "--max-length", "32", "--device", "cpu", "--output", output);
        r.AssertSuccess();
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json"))).RootElement.GetProperty("metrics");
        Assert.InRange(metrics.GetProperty("accuracy").GetDouble(), 0, 1);
        Assert.Contains("SentenceEmbedding(hf-tiny-bert, Text) → SdcaLogisticRegression", DelimitedFile.Read(Path.Combine(output, "leaderboard.csv")).Rows[0][2]);
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json"))).RootElement;
        Assert.Equal("embedding", config.GetProperty("featurizer").GetString());
        Assert.Equal(32, config.GetProperty("embedding").GetProperty("maxLength").GetInt32());
        Assert.Equal(Path.GetFullPath(HfFixture.Path()), config.GetProperty("embedding").GetProperty("model").GetString());

        var pred = CliResult.RunWithInput("free cash prize winner click offer\nmeeting agenda review project notes\n", "predict", "--model", Path.Combine(output, "model.mlnetllm"));
        pred.AssertSuccess();
        Assert.Equal(3, pred.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // run.json reproduces the run
        var again = CliResult.Run("train", "--config", Path.Combine(output, "run.json"), "--output", _tmp.File("again"));
        again.AssertSuccess();
        Assert.Equal(File.ReadAllText(Path.Combine(output, "metrics.json")).Split("\"trainSeconds\"")[0],
            File.ReadAllText(Path.Combine(_tmp.File("again"), "metrics.json")).Split("\"trainSeconds\"")[0]);
    }

    [Fact]
    public void AutoMLSearchesEmbeddingPipelines()
    {
        string train = _tmp.Write("train.csv", SyntheticData.Classification(60, seed: 1, "spam", "ham"));
        string output = _tmp.File("auto");
        var r = CliResult.Run("train", "--dataset", train, "--positive-label", "spam", "--featurizer", "embedding", "--pretrained", HfFixture.Path(),
            "--device", "cpu", "--max-trials", "2", "--output", output);
        r.AssertSuccess();
        var pipelines = DelimitedFile.Read(Path.Combine(output, "leaderboard.csv")).Rows.Select(row => row[2]).ToList();
        Assert.NotEmpty(pipelines);
        Assert.All(pipelines, p => Assert.StartsWith("sentence_embedding", p.Split(" ⇒ ").SkipWhile(s => s.StartsWith("normalize", StringComparison.Ordinal)).First()));
    }

    [Fact]
    public void EmbeddingSettingsAreChecked()
    {
        string train = _tmp.Write("train.csv", SyntheticData.Classification(20, seed: 1, "spam", "ham"));
        string output = _tmp.File("bad");
        CliResult.Run("train", "--dataset", train, "--positive-label", "spam", "--featurizer", "embedding", "--trainer", "bert", "--output", output)
            .AssertOneLineError("--featurizer embedding", "--trainer bert");
        CliResult.Run("train", "--dataset", train, "--positive-label", "spam", "--featurizer", "embedding", "--pretrained", _tmp.File("none"), "--output", output)
            .AssertOneLineError("--pretrained", "none");
        CliResult.Run("train", "--dataset", train, "--positive-label", "spam", "--featurizer", "embedding", "--pretrained", HfFixture.Path(), "--epochs", "2", "--output", output)
            .AssertOneLineError("--epochs");
        CliResult.Run("train", "--dataset", train, "--positive-label", "spam", "--featurizer", "embedding", "--pretrained", HfFixture.Path(), "--max-length", "4096", "--output", output)
            .AssertOneLineError("--max-length");
        var bogus = CliResult.Run("train", "--dataset", train, "--featurizer", "words", "--output", output);
        Assert.NotEqual(0, bogus.ExitCode);
        Assert.Contains("words", bogus.Err);
        Assert.False(Directory.Exists(output));
    }
}
