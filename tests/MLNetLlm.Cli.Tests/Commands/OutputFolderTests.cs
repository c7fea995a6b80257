using System.Text.Json;
using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>train never overwrites what is not its own: non-empty folders are refused without --force, a config's run goes to a new folder.</summary>
public sealed class OutputFolderTests : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    string Train => _tmp.Write("train.csv", SyntheticData.Classification(60, seed: 31, "spam", "ham"));

    static string Status(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json"))).RootElement.GetProperty("status").GetString()!;

    [Fact]
    public void ANonEmptyFolderIsRefusedWithoutForceAndReplacedWithIt()
    {
        string output = _tmp.File("notes");
        string mine = _tmp.Write("notes/mine.txt", "my notes");
        CliResult.Run("train", "--dataset", Train, "--positive-label", "spam", "--output", output)
            .AssertOneLineError("'" + output + "'", "not empty", "--force");
        Assert.Equal("my notes", File.ReadAllText(mine));
        Assert.Equal(["mine.txt"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));

        var forced = CliResult.Run("train", "--dataset", Train, "--positive-label", "spam", "--output", output, "--force");
        forced.AssertSuccess();
        Assert.False(File.Exists(mine));
        Assert.True(File.Exists(Path.Combine(output, "model.mlnetllm")));
        Assert.Equal("completed", Status(output));
        Assert.Empty(Directory.GetDirectories(_tmp.Path, ".notes.*")); // neither the staging folder nor the replaced contents are left
    }

    [Fact]
    public void AFinishedRunIsNotOverwrittenByASecondRunOrByItsOwnConfig()
    {
        string output = _tmp.File("first");
        CliResult.Run("train", "--dataset", Train, "--positive-label", "spam", "--output", output).AssertSuccess();
        string model = Path.Combine(output, "model.mlnetllm");
        byte[] before = File.ReadAllBytes(model);
        var stamp = File.GetLastWriteTimeUtc(model);

        CliResult.Run("train", "--dataset", Train, "--positive-label", "spam", "--seed", "7", "--output", output)
            .AssertOneLineError("holds a finished run", "--force", "resume");

        var again = CliResult.Run("train", "--config", Path.Combine(output, "run.json"));
        again.AssertSuccess();
        Assert.Contains($"writing to '{output}-2'", again.Out);
        Assert.True(File.Exists(Path.Combine(output + "-2", "model.mlnetllm")));
        Assert.Equal(before, File.ReadAllBytes(model));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(model));
        Assert.Equal(output + "-2", JsonDocument.Parse(File.ReadAllText(Path.Combine(output + "-2", "run.json"))).RootElement.GetProperty("output").GetString());
    }

    [Fact]
    public void ForceNeverDeletesAFolderThatHoldsTheData()
    {
        string train = Train;
        CliResult.Run("train", "--dataset", train, "--positive-label", "spam", "--output", _tmp.Path, "--force")
            .AssertOneLineError("--force", "holds the data");
        Assert.True(File.Exists(train));
    }

    [Fact]
    public void AnUnfinishedRunWithOtherSettingsIsRefusedAndOneWithTheSameSettingsContinues()
    {
        string output = _tmp.File("auto");
        // A killed AutoML run leaves run.json with status "running" and its trials.db: simulate it with a finished run's folder.
        CliResult.Run("train", "--dataset", Train, "--positive-label", "spam", "--max-trials", "2", "--tuner", "random", "--output", output).AssertSuccess();
        string config = Path.Combine(output, "run.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"status\": \"completed\"", "\"status\": \"running\""));

        CliResult.Run("train", "--dataset", Train, "--positive-label", "spam", "--max-trials", "3", "--tuner", "random", "--seed", "5", "--output", output)
            .AssertOneLineError("unfinished run with other settings", "seed", "resume -o");

        var continued = CliResult.Run("train", "--dataset", Train, "--positive-label", "spam", "--max-trials", "3", "--tuner", "random", "--output", output);
        continued.AssertSuccess();
        Assert.Matches(@"(?m)^trial +3 ", continued.Out);
        Assert.DoesNotMatch(@"(?m)^trial +1 ", continued.Out); // the stored trials are kept
        Assert.Equal("completed", Status(output));
    }
}
