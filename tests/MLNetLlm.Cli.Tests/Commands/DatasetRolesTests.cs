using System.Text.Json;
using MLNetLlm.Cli.Training;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>
/// The three data sets of <c>train</c> kept apart (training, validation that selects, test read once by the final
/// model), task inference from the label column, <c>--metric</c> and <c>--balance</c>.
/// </summary>
[Collection(TrainedModelsCollection.Name)]
public sealed class DatasetRolesTests(TrainedModels models) : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void TheTestFileIsReadOnceAfterTheSearchByTheFinalModelAndReportedBesideValidation()
    {
        string output = _tmp.File("roles");
        var console = new StringWriter();
        var reads = new List<(string Path, string ConsoleSoFar)>();
        var config = new RunConfig
        {
            Dataset = models.BinaryTrain, TestDataset = models.BinaryTest, PositiveLabel = "spam", MaxTrials = 4, Tuner = "random", Output = output,
        };
        var run = new TrainingRun(config, console)
        {
            ReadTable = path => { reads.Add((Path.GetFullPath(path), console.ToString())); return DelimitedFile.Read(path); },
        };
        var metrics = run.Execute();

        var testReads = reads.Where(r => r.Path == Path.GetFullPath(models.BinaryTest)).ToArray();
        Assert.Single(testReads);
        Assert.Equal(2, reads.Count); // the training file, then the test file
        // when it was read, every trial had finished and the default-pipeline rule had been applied
        var before = testReads[0].ConsoleSoFar;
        foreach (int n in new[] { 1, 2, 3, 4 }) Assert.Matches($@"trial +{n} ", before);
        Assert.Contains("Default pipeline rule:", before);
        Assert.StartsWith("Reading the test data", before.TrimEnd().Split('\n')[^1]); // announced, then read: the last line before it

        Assert.Equal("test", metrics.Role);
        Assert.Equal("validation", metrics.Validation!.Role);
        Assert.Equal(40, metrics.TestRows);
        Assert.Equal(16, metrics.Validation.TestRows); // the stratified 0.2 split of 80 training rows
        Assert.Equal(64, metrics.TrainRows);
        Assert.Contains("held-out 0.2 stratified split", metrics.Validation.Dataset);
        Assert.Equal(4, metrics.Search!.TrialsStarted);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        Assert.Equal("test", json.RootElement.GetProperty("role").GetString());
        Assert.Equal("validation", json.RootElement.GetProperty("validation").GetProperty("role").GetString());
        Assert.True(json.RootElement.GetProperty("search").GetProperty("defaultKept").ValueKind is JsonValueKind.True or JsonValueKind.False);
        Assert.Contains("validation f1", DelimitedFile.Read(Path.Combine(output, "leaderboard.csv")).Header);
        var printed = console.ToString();
        Assert.Matches(@"f1 +\d\.\d{4} +\d\.\d{4}  \(primary\)", printed); // validation and test side by side
        Assert.Contains("read once, after the search", printed);
        string report = File.ReadAllText(Path.Combine(output, "report.html"));
        Assert.Contains("validation", report);
        Assert.Contains("test data", report);
    }

    [Fact]
    public void WithoutATestFileTheValidationMetricsAreTheRunsNamedSo()
    {
        string output = _tmp.File("validation-only");
        var r = CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--output", output);
        r.AssertSuccess();
        Assert.Contains("no --test-dataset: validation metrics only", r.Out);
        Assert.Contains("Metrics (binary) on validation data", r.Out);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        Assert.Equal("validation", json.RootElement.GetProperty("role").GetString());
        Assert.False(json.RootElement.TryGetProperty("validation", out _));
    }

    [Fact]
    public void TheTaskIsInferredFromTheLabelColumnAndTaskStillOverrides()
    {
        var multi = CliResult.Run("train", "--dataset", models.MulticlassTrain, "--output", _tmp.File("multi"));
        multi.AssertSuccess();
        Assert.Contains("Task: multiclass (column 'Label' has 3 values", multi.Out);

        var binary = CliResult.Run("train", "--dataset", models.BinaryTrain, "--output", _tmp.File("binary"));
        binary.AssertSuccess();
        Assert.Matches("Task: binary .*positive class '(spam|ham)' \\(the rarer", binary.Out);

        string numbers = _tmp.Write("scores.csv", "Text,Label\n" + string.Join("\n",
            Enumerable.Range(0, 60).Select(i => $"\"{(i % 3 == 0 ? "great fine good" : i % 3 == 1 ? "bad awful poor" : "okay middling so so")} {i}\",{(i % 3 == 0 ? 4.5 : i % 3 == 1 ? 1.0 : 2.75) + i % 2 * 0.25}")) + "\n");
        var regression = CliResult.Run("train", "--dataset", numbers, "--output", _tmp.File("regression"));
        regression.AssertSuccess();
        Assert.Contains("Task: regression (column 'Label' holds 6 distinct numbers", regression.Out);

        // --task still wins over the inference
        var forced = CliResult.Run("train", "--task", "multiclass", "--dataset", numbers, "--output", _tmp.File("forced"));
        forced.AssertSuccess();
        Assert.DoesNotContain("Task:", forced.Out);
        Assert.Contains("Training multiclass model", forced.Out);

        string single = _tmp.Write("single.csv", "Text,Label\na,x\nb,x\n");
        CliResult.Run("train", "--dataset", single, "--output", _tmp.File("single")).AssertOneLineError("--label-col", "only one value");
    }

    [Fact]
    public void MetricAndBalanceAreCheckedAgainstTheTaskAndNamedInErrors()
    {
        CliResult.Run("train", "--dataset", models.MulticlassTrain, "--metric", "f1", "--output", _tmp.File("m1"))
            .AssertOneLineError("--metric", "macroAccuracy");
        CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--balance", "sometimes", "--output", _tmp.File("m2"))
            .AssertOneLineError("--balance");
        CliResult.Run("train", "--dataset", models.BinaryTrain, "--test-dataset", models.BinaryTrain, "--positive-label", "spam", "--output", _tmp.File("m3"))
            .AssertOneLineError("--test-dataset", "--dataset");

        string output = _tmp.File("balanced");
        var r = CliResult.Run("train", "--dataset", models.MulticlassTrain, "--metric", "micro", "--balance", "oversample", "--output", output);
        r.AssertSuccess();
        Assert.Contains("Balance(oversample)", r.Out);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        Assert.Equal("microAccuracy", json.RootElement.GetProperty("primaryMetric").GetString());
        Assert.Equal("oversample", json.RootElement.GetProperty("search").GetProperty("balance").GetString());
    }
}
