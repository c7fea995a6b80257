using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>Every kind of bad input ends with a non-zero exit code and one line naming the problem.</summary>
[Collection(TrainedModelsCollection.Name)]
public sealed class BadInputTests(TrainedModels models) : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    CliResult Train(string data, params string[] more) =>
        CliResult.Run(["train", "--dataset", data, "--output", _tmp.File("out"), .. more]);

    [Fact]
    public void MissingDatasetFileNamesTheFile()
    {
        string missing = _tmp.File("nope.csv");
        Train(missing).AssertOneLineError("nope.csv", "does not exist");
        Assert.False(Directory.Exists(_tmp.File("out")));
    }

    [Fact]
    public void MissingLabelColumnNamesTheColumnAndTheColumnsThereAre()
    {
        Train(models.BinaryTrain, "--label-col", "Category", "--positive-label", "spam")
            .AssertOneLineError("'Category'", "train.csv", "Id, Label, Text");
    }

    [Fact]
    public void MissingTextColumnNamesTheColumn()
    {
        Train(models.BinaryTrain, "--text-col", "Body", "--positive-label", "spam").AssertOneLineError("'Body'", "train.csv");
    }

    [Fact]
    public void EmptyFileIsReported()
    {
        Train(_tmp.Write("empty.csv", "")).AssertOneLineError("empty.csv", "empty");
    }

    [Fact]
    public void HeaderWithoutRowsIsReported()
    {
        Train(_tmp.Write("header.csv", "Label,Text\n")).AssertOneLineError("header.csv", "no data rows");
    }

    [Fact]
    public void BinaryLabelWithThreeValuesAsksForMulticlass()
    {
        var data = _tmp.Write("three.csv", SyntheticData.Classification(30, 1, "spam", "ham", "sports"));
        // with --task binary given (without it, three values make the task multiclass: DatasetRolesTests)
        Train(data, "--task", "binary").AssertOneLineError("'Label'", "three.csv", "3 distinct values", "multiclass");
    }

    [Fact]
    public void BinaryTextLabelsWithoutPositiveLabelAskForIt()
    {
        // with --task binary given (an inferred binary task takes the rarer value: DatasetRolesTests)
        Train(models.BinaryTrain, "--task", "binary").AssertOneLineError("'Label'", "--positive-label", "'ham'", "'spam'");
    }

    [Fact]
    public void PositiveLabelThatDoesNotOccurIsReported()
    {
        Train(models.BinaryTrain, "--positive-label", "junk").AssertOneLineError("'junk'", "'Label'");
    }

    [Fact]
    public void RegressionWithTextLabelNamesLineAndColumn()
    {
        Train(models.BinaryTrain, "--task", "regression").AssertOneLineError("train.csv", "line 2", "'Label'", "not a number");
    }

    [Fact]
    public void RegressionWithEmptyLabelNamesTheLine()
    {
        var data = _tmp.Write("gap.csv", "Label,Text\n1.5,good\n,bad\n0.5,ok\n2,fine\n3,great\n");
        Train(data, "--task", "regression").AssertOneLineError("gap.csv", "line 3", "'Label'", "empty");
    }

    [Fact]
    public void MalformedCsvNamesTheLine()
    {
        var data = _tmp.Write("ragged.csv", "Label,Text\nspam,hello\nham,hi,extra\n");
        Train(data, "--positive-label", "spam").AssertOneLineError("ragged.csv", "line 3");
    }

    [Fact]
    public void TestFileLabelOutsideTheTrainingClassesNamesItsLine()
    {
        var test = _tmp.Write("test.csv", "Id,Label,Text\n1,spam,free cash\n2,maybe,hello there\n");
        Train(models.BinaryTrain, "--test-dataset", test, "--positive-label", "spam").AssertOneLineError("test.csv", "line 3", "'maybe'");
    }

    [Fact]
    public void MissingDatasetOptionIsReported()
    {
        CliResult.Run("train", "--output", _tmp.File("out")).AssertOneLineError("--dataset");
    }

    [Fact]
    public void SplitOutOfRangeIsReported()
    {
        Train(models.BinaryTrain, "--positive-label", "spam", "--split", "1.5").AssertOneLineError("--split");
    }

    [Fact]
    public void ConfigFileWithUnknownSettingIsReported()
    {
        var config = _tmp.Write("run.json", "{ \"task\": \"binary\", \"datset\": \"x.csv\" }");
        CliResult.Run("train", "--config", config).AssertOneLineError("run.json", "datset");
    }

    [Fact]
    public void UnknownOptionIsAParseError()
    {
        var r = CliResult.Run("train", "--datasett", "x.csv");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--datasett", r.Err);
    }

    [Fact]
    public void EvaluateWithAFileThatIsNotAModelIsReported()
    {
        var notModel = _tmp.Write("model.mlnetllm", "hello");
        CliResult.Run("evaluate", "--model", notModel, "--dataset", models.BinaryTest).AssertOneLineError("model.mlnetllm", "not");
    }

    [Theory]
    [InlineData("200 bytes changed, seed 1")]
    [InlineData("200 bytes changed, seed 2")]
    [InlineData("200 bytes changed, seed 3")]
    [InlineData("truncated")]
    [InlineData("another zip")]
    [InlineData("unknown type")]
    public void EvaluateAndPredictWithADamagedModelNameTheFileOnOneLineAndExit1(string damage)
    {
        string damaged = _tmp.File("damaged.mlnetllm");
        byte[] bytes = File.ReadAllBytes(models.BinaryModel);
        switch (damage)
        {
            case "truncated":
                File.WriteAllBytes(damaged, bytes[..(bytes.Length / 2)]);
                break;
            case "another zip":
                using (var zip = System.IO.Compression.ZipFile.Open(damaged, System.IO.Compression.ZipArchiveMode.Create))
                using (var w = new StreamWriter(zip.CreateEntry("readme.txt").Open())) w.Write("not a model");
                break;
            case "unknown type":
                File.WriteAllBytes(damaged, bytes);
                using (var zip = System.IO.Compression.ZipFile.Open(damaged, System.IO.Compression.ZipArchiveMode.Update))
                {
                    var entry = zip.GetEntry("manifest.json")!;
                    System.Text.Json.Nodes.JsonObject manifest;
                    using (var r = entry.Open()) manifest = System.Text.Json.Nodes.JsonNode.Parse(r)!.AsObject();
                    manifest["stages"]!.AsArray().Add(new System.Text.Json.Nodes.JsonObject
                    {
                        ["kind"] = "component", ["entry"] = "stages/999/", ["type"] = "System.IO.FileInfo, System.Runtime",
                    });
                    entry.Delete();
                    using var w = new StreamWriter(zip.CreateEntry("manifest.json").Open());
                    w.Write(manifest.ToJsonString());
                }
                break;
            default:
                var rng = new Random(damage[^1] - '0');
                for (int i = 0; i < 200; i++) bytes[rng.Next(bytes.Length)] ^= (byte)(1 + rng.Next(255));
                File.WriteAllBytes(damaged, bytes);
                break;
        }
        var evaluate = CliResult.Run("evaluate", "--model", damaged, "--dataset", models.BinaryTest);
        evaluate.AssertOneLineError("damaged.mlnetllm");
        Assert.Equal(1, evaluate.ExitCode);
        var predict = CliResult.RunWithInput("{\"Text\":\"hi\"}\n", "predict", "--model", damaged);
        predict.AssertOneLineError("damaged.mlnetllm");
        Assert.Equal(1, predict.ExitCode);
    }

    [Fact]
    public void EvaluateWithAMissingModelIsReported()
    {
        CliResult.Run("evaluate", "--model", _tmp.File("none.mlnetllm"), "--dataset", models.BinaryTest).AssertOneLineError("none.mlnetllm", "does not exist");
    }

    [Fact]
    public void PredictInputWithoutTheTextColumnNamesIt()
    {
        var input = _tmp.Write("in.csv", "Id,Body\n1,hello\n");
        CliResult.Run("predict", "--model", models.BinaryModel, "--input", input).AssertOneLineError("'Text'", "in.csv");
    }

    [Fact]
    public void PredictJsonLineWithoutTheTextPropertyNamesTheLine()
    {
        CliResult.RunWithInput("{\"Text\":\"hi\"}\n{\"Body\":\"hello\"}\n", "predict", "--model", models.BinaryModel)
            .AssertOneLineError("line 2", "'Text'", "Body");
    }

    [Fact]
    public void PredictPlainLinesForATwoColumnModelAreRefused()
    {
        CliResult.RunWithInput("a sentence\n", "predict", "--model", models.PairsModel).AssertOneLineError("2 text columns", "Sentence1");
    }

    [Fact]
    public void ServeWithAMissingModelIsReported()
    {
        CliResult.Run("serve", "--model", _tmp.File("gone.mlnetllm"), "--port", "0").AssertOneLineError("gone.mlnetllm", "does not exist");
    }

    [Fact]
    public void ServeWithABadPortIsReported()
    {
        CliResult.Run("serve", "--model", models.BinaryModel, "--port", "70000").AssertOneLineError("--port", "70000");
    }
}
