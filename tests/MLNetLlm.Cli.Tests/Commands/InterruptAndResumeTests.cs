using System.Text.Json;
using System.Text.RegularExpressions;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>
/// <c>train</c> as a child process that is interrupted: Ctrl+C (SIGINT) or SIGTERM writes the output from the finished
/// trials (exit code 130), a second one quits at once (exit 4), <c>kill -9</c> leaves a folder that <c>resume</c>
/// finishes. The tests wait for the progress lines, never for a fixed time.
/// </summary>
public sealed class InterruptAndResumeTests : IDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    const string TrialLine = @"^trial +\d+ ";

    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    string Train => _tmp.Write("train.csv", SyntheticData.Classification(120, seed: 21, "spam", "ham"));
    string Test => _tmp.Write("test.csv", SyntheticData.Classification(40, seed: 22, "spam", "ham"));

    static string Status(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json"))).RootElement.GetProperty("status").GetString()!;

    static int[] TrialNumbers(string text) =>
        Regex.Matches(text, @"(?m)^trial +(\d+) ").Select(m => int.Parse(m.Groups[1].Value)).ToArray();

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public void FirstInterruptWritesTheOutputFromTheFinishedTrials(string signal)
    {
        string output = _tmp.File("auto-" + signal);
        using var child = new ToolChild("train", "--dataset", Train, "--test-dataset", Test, "--positive-label", "spam",
            "--max-trials", "200", "--tuner", "random", "--output", output);
        child.WaitForLines(TrialLine, 2, Patience);
        Assert.Equal("running", Status(output)); // run.json is there before the search ends
        // a second run into the folder while the first is alive is kept out, and changes nothing
        CliResult.Run("train", "--dataset", Train, "--test-dataset", Test, "--positive-label", "spam", "--max-trials", "200", "--tuner", "random", "--output", output)
            .AssertOneLineError("in use by another mlnet-llm process");
        CliResult.Run("resume", "-o", output).AssertOneLineError("in use by another mlnet-llm process");
        Assert.Equal("running", Status(output));
        child.Signal(signal);
        int code = child.WaitForExit(Patience);

        Assert.True(code == 130, $"exit code {code}\n{child.Out}\n{child.Err}");
        Assert.Contains($"interrupted (SIG{signal})", child.Err);
        Assert.DoesNotContain("error", child.Err);
        var printed = TrialNumbers(child.Out);
        Assert.InRange(printed.Length, 2, 199);
        var board = DelimitedFile.Read(Path.Combine(output, "leaderboard.csv"));
        // every trial that finished (before the signal, or running when it came) is on the leaderboard, and no other
        Assert.Equal(printed.Order(), board.Column("Trial").Select(int.Parse).Order());
        Assert.Equal("interrupted", Status(output));
        Assert.Contains("resume -o", child.Out);
        Assert.Empty(Directory.GetDirectories(_tmp.Path, ".auto-*")); // no staging folder left

        var pred = CliResult.RunWithInput("free cash prize winner click offer\nmeeting agenda project review minutes\n",
            "predict", "--model", Path.Combine(output, "model.mlnetllm"));
        pred.AssertSuccess();
        Assert.StartsWith("spam,", pred.Out.Split('\n')[1]);
        Assert.StartsWith("ham,", pred.Out.Split('\n')[2]);
    }

    [Fact]
    public void SecondInterruptQuitsAtOnceAndResumeFinishesTheStudy()
    {
        // enough rows that the trial running at the first signal is still running at the second
        string output = _tmp.File("twice"), big = _tmp.Write("big.csv", SyntheticData.Classification(3000, seed: 23, "spam", "ham"));
        using var child = new ToolChild("train", "--dataset", big, "--test-dataset", Test, "--positive-label", "spam",
            "--max-trials", "200", "--tuner", "random", "--output", output);
        child.WaitForLines(TrialLine, 1, Patience);
        child.Signal("INT");
        WaitFor(() => child.Err.Contains("interrupted (SIGINT)"), child);
        child.Signal("INT");
        int code = child.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(code == 4, $"exit code {code}\n{child.Out}\n{child.Err}");
        Assert.Contains("quitting now", child.Err);
        Assert.False(File.Exists(Path.Combine(output, "model.mlnetllm")));
        Assert.NotEqual("completed", Status(output));
    }

    [Fact]
    public void ResumeAfterKill9EndsTheStudyWithTheRequestedTrialsAndLosesNone()
    {
        string output = _tmp.File("killed");
        using (var child = new ToolChild("train", "--dataset", Train, "--test-dataset", Test, "--positive-label", "spam",
                   "--max-trials", "7", "--tuner", "random", "--output", output))
        {
            child.WaitForLines(TrialLine, 2, Patience);
            child.Signal("KILL");
            child.WaitForExit(Patience);
        }
        Assert.Equal("running", Status(output)); // killed mid-search: run.json says so, and no model was written
        Assert.False(File.Exists(Path.Combine(output, "model.mlnetllm")));
        Assert.True(File.Exists(Path.Combine(output, "trials.db")));

        var resumed = CliResult.Run("resume", "-o", output);
        resumed.AssertSuccess();
        Assert.Contains("up to 7 trials", resumed.Out);
        var board = DelimitedFile.Read(Path.Combine(output, "leaderboard.csv"));
        Assert.Equal(Enumerable.Range(1, 7), board.Column("Trial").Select(int.Parse).Order());
        Assert.All(board.Column("Status"), s => Assert.Matches("^(completed|failed)", s));
        Assert.Equal(7, board.Column("Parameters").Distinct().Count()); // the resumed tuner never repeats a configuration
        Assert.Equal("completed", Status(output));
        Assert.DoesNotMatch(@"(?m)^trial +1 ", resumed.Out); // finished trials are not run again
    }

    static void WaitFor(Func<bool> condition, ToolChild child)
    {
        var until = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out:\n{child.Out}\n{child.Err}");
            Thread.Sleep(50);
        }
    }
}
