using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>train with an AutoML budget: trials, leaderboard, SQLite storage, resume.</summary>
[Collection(TrainedModelsCollection.Name)]
public sealed class AutoMLTrainTests(TrainedModels models) : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Trait("Speed", "Slow")]
    [Fact]
    public void SearchWritesALeaderboardOfEveryTrialAndResumeContinuesTheStudy()
    {
        string output = _tmp.File("auto"), db = _tmp.File("trials.db");
        var r = CliResult.Run("train", "--dataset", models.BinaryTrain, "--test-dataset", models.BinaryTest, "--positive-label", "spam",
            "--max-trials", "4", "--tuner", "random", "--storage", db, "--output", output);
        r.AssertSuccess();
        Assert.Contains("AutoML stopped", r.Out);
        Assert.Matches(@"trial +4 ", r.Out);
        var board = DelimitedFile.Read(Path.Combine(output, "leaderboard.csv"));
        Assert.Equal(4, board.Rows.Count);
        Assert.Equal(["1", "2", "3", "4"], board.Column("Trial").Order());
        Assert.All(board.Column("Parameters"), p => Assert.StartsWith("{", p));
        var completed = board.Rows.Where(row => row[board.ColumnIndex("Status")] == "completed").ToArray();
        Assert.NotEmpty(completed);
        var f1 = completed.Select(row => double.Parse(row[board.ColumnIndex("validation f1")], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(f1.OrderDescending(), f1); // ranked best first
        Assert.True(File.Exists(db));

        var pred = CliResult.RunWithInput("free cash prize winner click offer\n", "predict", "--model", Path.Combine(output, "model.mlnetllm"));
        pred.AssertSuccess();
        Assert.StartsWith("spam,", pred.Out.Split('\n')[1]);

        var resumed = CliResult.Run("resume", "--output", output, "--max-trials", "6");
        resumed.AssertSuccess();
        Assert.Contains("Resuming study 'auto'", resumed.Out);
        Assert.Matches(@"trial +5 ", resumed.Out);
        Assert.DoesNotMatch(@"(?m)^trial +1 ", resumed.Out); // earlier trials are not run again
        Assert.Equal(6, DelimitedFile.Read(Path.Combine(output, "leaderboard.csv")).Rows.Count);
    }

    [Fact]
    public void AutoMLSettingsWithoutABudgetAndBadBudgetsAreReported()
    {
        string output = _tmp.File("bad");
        CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--tuner", "grid", "--output", output)
            .AssertOneLineError("--tuner", "--max-trials");
        CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--max-trials", "0", "--output", output)
            .AssertOneLineError("--max-trials", "0");
        CliResult.Run("train", "--dataset", models.BinaryTrain, "--positive-label", "spam", "--train-time", "-5", "--output", output)
            .AssertOneLineError("--train-time");
        CliResult.Run("resume", "--output", models.BinaryOutput).AssertOneLineError("no AutoML storage");
        CliResult.Run("resume", "--output", _tmp.File("nothing")).AssertOneLineError("run.json");
    }
}
