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
        CliResult.Run("update", "--model", models.PairsOutput, "--dataset", models.PairsTrain).AssertOneLineError("regression");
        CliResult.Run("update", "--model", models.BinaryOutput, "--dataset", models.BinaryTrain, "--ewc", "10").AssertOneLineError("--ewc", "linear");
        CliResult.Run("update", "--model", models.BinaryOutput, "--dataset", models.BinaryTrain, "--l2", "-1").AssertOneLineError("--l2");
        CliResult.Run("update", "--model", models.BinaryOutput, "--dataset", models.BinaryTrain, "--iterations", "0").AssertOneLineError("--iterations");
    }

    static float[] Features(string modelPath, string data, int stagesBeforePredictor)
    {
        var ml = new MLContext(seed: 0);
        var featurizer = new TransformerChain<ITransformer>(Stages(ml.Llm().Model.Load(modelPath, out _)).Take(stagesBeforePredictor).ToArray());
        var view = ml.Data.LoadFromTextFile(data, new TextLoader.Options
        {
            HasHeader = true, Separators = [','], AllowQuoting = true,
            Columns = [new TextLoader.Column("Id", DataKind.String, 0), new TextLoader.Column("Label", DataKind.String, 1), new TextLoader.Column("Text", DataKind.String, 2)],
        });
        var featurized = featurizer.Transform(view);
        var column = featurized.Schema.Last(c => c.Type is VectorDataViewType);
        return featurized.GetColumn<VBuffer<float>>(column).SelectMany(v => v.DenseValues()).ToArray();
    }

    static int PredictorIndex(string modelPath)
    {
        int at = Stages(new MLContext().Llm().Model.Load(modelPath, out _)).FindLastIndex(t => t is ISingleFeaturePredictionTransformer<object>);
        Assert.True(at > 0, $"{modelPath} has no predictor after a featurizer");
        return at;
    }

    static List<ITransformer> Stages(ITransformer t) =>
        t.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(TransformerChain<>) && t is IEnumerable<ITransformer> items
            ? items.SelectMany(Stages).ToList() : [t];

    [Fact]
    public void ALinearModelIsWarmStartedFromItsWeightsWithTheOldFeaturizer()
    {
        // new rows: the same labels, new sentences (another seed), held out 25 % as the new test data
        string newData = _tmp.Write("new.csv", SyntheticData.Classification(60, seed: 11, "spam", "ham"));
        string copy = _tmp.File("binary");
        CopyFolder(models.BinaryOutput, copy);
        var r = CliResult.Run("update", "--model", copy, "--dataset", newData, "--split", "0.25", "--iterations", "30", "--replay", "20");
        r.AssertSuccess();
        Assert.Contains("warm-started LbfgsLogisticRegression", r.Out);
        string v2 = copy + "-v2", newModel = Path.Combine(v2, "model.mlnetllm");
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(v2, ModelUpdate.ReportFile))).RootElement;
        Assert.Equal(("SdcaLogisticRegression", "LbfgsLogisticRegression"), (report.GetProperty("trainer").GetString(), report.GetProperty("continuedBy").GetString()));
        Assert.Equal((20, 45, 2), (report.GetProperty("replayedRows").GetInt32(), report.GetProperty("newRows").GetInt32(), report.GetProperty("round").GetInt32()));
        Assert.Equal(models.BinaryTest, report.GetProperty("oldTest").GetString());
        // metrics of both versions on both test sets; the new version's are those evaluate reports
        foreach (var name in new[] { "binary", "binary-v2" })
            foreach (var set in new[] { "oldTest", "newTest" })
                Assert.InRange(report.GetProperty("metrics").GetProperty(name).GetProperty(set).GetProperty("accuracy").GetDouble(), 0, 1);
        CliResult.Run("evaluate", "--model", newModel, "--dataset", Path.Combine(v2, ModelUpdate.NewTestFile), "-o", _tmp.File("m.json")).AssertSuccess();
        double evaluated = JsonDocument.Parse(File.ReadAllText(_tmp.File("m.json"))).RootElement.GetProperty("metrics").GetProperty("accuracy").GetDouble();
        Assert.Equal(evaluated, report.GetProperty("metrics").GetProperty("binary-v2").GetProperty("newTest").GetProperty("accuracy").GetDouble(), 1e-12);
        // the words of both topics are learnable: the continued model is good on both test sets
        Assert.True(evaluated >= 0.85, $"accuracy of the continued model on the new test rows: {evaluated}");
        Assert.True(report.GetProperty("metrics").GetProperty("binary-v2").GetProperty("oldTest").GetProperty("accuracy").GetDouble() >= 0.85);

        // the old featurizer is kept as fitted: the same feature vectors (same n-gram slots) for the same rows
        int at = PredictorIndex(newModel);
        Assert.Equal(PredictorIndex(models.BinaryModel), at);
        Assert.Equal(Features(models.BinaryModel, newData, at), Features(newModel, newData, at));
        // and the old folder is untouched; the next version continues the L-BFGS model
        Assert.False(File.Exists(Path.Combine(copy, ModelUpdate.ReportFile)));
        CliResult.Run("update", "--model", v2, "--dataset", newData, "--iterations", "5", "--old-test", models.BinaryTest).AssertSuccess();
        var third = JsonDocument.Parse(File.ReadAllText(Path.Combine(copy + "-v3", ModelUpdate.ReportFile))).RootElement;
        Assert.Equal(("LbfgsLogisticRegression", 3), (third.GetProperty("trainer").GetString(), third.GetProperty("round").GetInt32()));
    }

    [Fact]
    public void AMulticlassLinearModelIsContinuedByMaximumEntropy()
    {
        string newData = _tmp.Write("new3.csv", SyntheticData.Classification(60, seed: 12, "spam", "ham", "sports"));
        string copy = _tmp.File("multi");
        CopyFolder(models.MulticlassOutput, copy);
        var r = CliResult.Run("update", "--model", copy, "--dataset", newData, "--replay", "30", "--l2", "0.1");
        r.AssertSuccess();
        string v2 = copy + "-v2";
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(v2, ModelUpdate.ReportFile))).RootElement;
        Assert.Equal(("SdcaMaximumEntropy", "LbfgsMaximumEntropy"), (report.GetProperty("trainer").GetString(), report.GetProperty("continuedBy").GetString()));
        Assert.Equal(30, report.GetProperty("replayedRows").GetInt32());
        Assert.Equal(0.1, report.GetProperty("l2").GetDouble(), 1e-6);
        Assert.Equal(models.MulticlassTest, report.GetProperty("oldTest").GetString());
        var m = report.GetProperty("metrics").GetProperty("multi-v2");
        Assert.True(m.GetProperty("oldTest").GetProperty("macroAccuracy").GetDouble() >= 0.8, m.ToString());
        Assert.True(m.GetProperty("newTest").GetProperty("macroAccuracy").GetDouble() >= 0.8, m.ToString());
        int at = PredictorIndex(Path.Combine(v2, "model.mlnetllm"));
        Assert.Equal(Features(models.MulticlassModel, newData, at), Features(Path.Combine(v2, "model.mlnetllm"), newData, at));
        // predictions still name the classes
        var predicted = CliResult.Run("predict", "--model", Path.Combine(v2, "model.mlnetllm"), "--input", newData, "--id-col", "Id");
        predicted.AssertSuccess();
        Assert.Contains("sports", predicted.Out);
    }

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
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
