using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Torch.Memory;
using MLNetLlm.Cli.Continual;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>mlnet-llm update: continual learning of a fine-tuned model (tiny HF fixture) on the shipped spam sample.</summary>
[Collection(TrainedModelsCollection.Name)]
public sealed class UpdateCommandTests(TrainedModels models) : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _tmp.Dispose();
    }

    static string SpamSample(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data", "spam", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"data/spam/{name} was not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>Task A = easy-ham-1 + spam-1 rows of a sample, task B = the other source corpora; every step-th row.</summary>
    string Task(string sample, bool a, int step)
    {
        var table = DelimitedFile.Read(SpamSample(sample));
        var groups = table.Column("Group");
        string path = _tmp.File($"{(a ? "a" : "b")}-{sample}");
        var rows = table.Rows.Where((_, i) => (groups[i] is "easy-ham-1" or "spam-1") == a).Where((_, i) => i % step == 0).ToList();
        DelimitedFile.Write(path, table.Header, rows);
        return path;
    }

    static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Trait("Speed", "Slow")]
    [Fact]
    public void UpdateWritesANewVersionBesideTheOldWithMetricsOnTheOldAndTheNewTestData()
    {
        string aTrain = Task("sample-train.csv", a: true, step: 6), aTest = Task("sample-test.csv", a: true, step: 3), bTrain = Task("sample-train.csv", a: false, step: 3);
        string output = _tmp.File("spam");
        CliResult.Run("train", "--dataset", aTrain, "--test-dataset", aTest, "--positive-label", "spam", "--trainer", "bert", "--pretrained", HfFixture.Path(),
            "--epochs", "2", "--batch-size", "8", "--max-length", "32", "--learning-rate", "0.001", "--device", "cpu", "--output", output).AssertSuccess();
        string before = Hash(Path.Combine(output, "model.mlnetllm"));

        var r = CliResult.Run("update", "--model", output, "--dataset", bTrain, "--ewc", "10", "--replay", "8", "--select-threshold", "0.99", "--epochs", "2",
            "--learning-rate", "0.001", "--fisher-samples", "8", "--dedup", "1", "--device", "cpu");
        r.AssertSuccess();
        string v2 = output + "-v2";
        Assert.Contains($"wrote {v2}", r.Out);
        Assert.Equal(before, Hash(Path.Combine(output, "model.mlnetllm")));
        Assert.False(File.Exists(Path.Combine(output, ModelUpdate.MemoryFile)));

        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(v2, ModelUpdate.ReportFile))).RootElement;
        Assert.Equal(aTest, report.GetProperty("oldTest").GetString());
        Assert.Equal(8, report.GetProperty("replayedRows").GetInt32());
        Assert.Equal(2, report.GetProperty("round").GetInt32());
        int newRows = DelimitedFile.Read(bTrain).Rows.Count, heldOut = DelimitedFile.Read(Path.Combine(v2, ModelUpdate.NewTestFile)).Rows.Count;
        Assert.Equal(newRows - heldOut, report.GetProperty("newRows").GetInt32());
        Assert.InRange(report.GetProperty("selectedRows").GetInt32(), 0, newRows - heldOut);
        foreach (var name in new[] { "spam", "spam-v2" })
            foreach (var set in new[] { "oldTest", "newTest" })
                Assert.InRange(report.GetProperty("metrics").GetProperty(name).GetProperty(set).GetProperty("f1").GetDouble(), 0, 1);
        // the old model's numbers are those evaluate reports for it
        var evaluated = CliResult.Run("evaluate", "--model", Path.Combine(output, "model.mlnetllm"), "--dataset", aTest, "-o", _tmp.File("m.json"));
        evaluated.AssertSuccess();
        var f1 = JsonDocument.Parse(File.ReadAllText(_tmp.File("m.json"))).RootElement.GetProperty("metrics").GetProperty("f1").GetDouble();
        Assert.Equal(f1, report.GetProperty("metrics").GetProperty("spam").GetProperty("oldTest").GetProperty("f1").GetDouble(), 1e-9);

        // the new version carries the Fisher and anchor for the next round, and the memory its rows
        var chain = (TransformerChain<ITransformer>)new MLContext().Llm().Model.Load(Path.Combine(v2, "model.mlnetllm"), out _);
        var bert = chain.OfType<TextClassificationTransformer>().Single();
        Assert.True(bert.HasContinualState);
        bert.Dispose();
        var memory = SampleMemory.Open(Path.Combine(v2, ModelUpdate.MemoryFile), "spam", capacity: 2000);
        // every training row of both rounds, except rows whose embedding repeats one already remembered (--dedup 1: cosine 1,
        // which at 32 word pieces includes mails that only differ further down)
        int offered = DelimitedFile.Read(aTrain).Rows.Count + newRows - heldOut;
        Assert.InRange(memory.Rows.Count, offered * 9 / 10, offered);

        // and a third version continues from the second
        CliResult.Run("update", "--model", v2, "--dataset", bTrain, "--ewc", "10", "--replay", "4", "--epochs", "1", "--fisher-samples", "4", "--dedup", "1",
            "--old-test", aTest, "--device", "cpu").AssertSuccess();
        var third = JsonDocument.Parse(File.ReadAllText(Path.Combine(output + "-v3", ModelUpdate.ReportFile))).RootElement;
        Assert.Equal(3, third.GetProperty("round").GetInt32());
        CliResult.Run("predict", "--model", Path.Combine(output + "-v3", "model.mlnetllm"), "--input", aTest, "--id-col", "Id").AssertSuccess();
    }

    [Fact]
    public void BadUpdateInputGetsOneLineErrors()
    {
        string fake = _tmp.File("fake");
        Directory.CreateDirectory(fake);
        File.WriteAllText(Path.Combine(fake, "model.mlnetllm"), "");
        string data = _tmp.Write("new.csv", "Text,Label\nhello,ham\n");
        CliResult.Run("update", "--model", _tmp.File("none"), "--dataset", data).AssertOneLineError("--model", "is not a folder");
        CliResult.Run("update", "--model", _tmp.Path, "--dataset", data).AssertOneLineError("--model", "holds no model.mlnetllm");
        CliResult.Run("update", "--model", fake, "--dataset", _tmp.File("missing.csv")).AssertOneLineError("--dataset", "does not exist");
        CliResult.Run("update", "--model", fake, "--dataset", data, "--ewc", "-1").AssertOneLineError("--ewc", "≥ 0");
        CliResult.Run("update", "--model", fake, "--dataset", data, "--select-threshold", "1.5").AssertOneLineError("--select-threshold", "1.5");
        CliResult.Run("update", "--model", fake, "--dataset", data, "--replay", "-3").AssertOneLineError("--replay", "-3");
        CliResult.Run("update", "--model", fake, "--dataset", data, "--split", "1").AssertOneLineError("--split");
        CliResult.Run("update", "--model", fake, "--dataset", data, "--replay-policy", "fifo").AssertOneLineError("fifo");
        CliResult.Run("update", "--model", models.BinaryOutput, "--dataset", models.BinaryTrain).AssertOneLineError("no fine-tuned transformer", "--trainer bert");
    }

    [Fact]
    public void VersionsAreSiblingFoldersNumberedFromTwo()
    {
        string spam = _tmp.File("spam");
        Assert.Equal(spam + "-v2", ModelUpdate.NextVersion(spam));
        Assert.Equal(spam + "-v3", ModelUpdate.NextVersion(spam + "-v2"));
        Directory.CreateDirectory(spam + "-v3");
        Assert.Equal(spam + "-v4", ModelUpdate.NextVersion(spam + "-v2"));
        Assert.Equal(spam + "-v2", ModelUpdate.NextVersion(spam + "/"));
    }
}
