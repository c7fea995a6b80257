using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary><c>mlnet-llm bench continual --pair fortunes</c>: the class-incremental pair, on a tiny made-up table (no timings asserted).</summary>
public sealed class ContinualBenchTests : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    // four labels, each with its own vocabulary, 12 rows each
    string Fortunes(string name)
    {
        var words = new Dictionary<string, string[]>
        {
            ["computers"] = ["kernel", "compiler", "bug", "byte"], ["definitions"] = ["noun", "verb", "meaning", "word"],
            ["politics"] = ["senate", "vote", "election", "party"], ["zippy"] = ["yow", "pinhead", "fun", "zippy"],
        };
        var lines = new List<string> { "Label,Text" };
        foreach (var (label, w) in words)
            for (int i = 0; i < 12; i++) lines.Add($"{label},{w[i % 4]} {w[(i + 1) % 4]} and {w[(i + 2) % 4]} {i}");
        return _tmp.Write(name, string.Join('\n', lines) + "\n");
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void FortunesPairPrintsEveryVariantOfTheLambdaSweepWithReplay()
    {
        var r = CliResult.Run("bench", "continual", "--pair", "fortunes", "--train", Fortunes("train.csv"), "--test", Fortunes("test.csv"),
            "--rows", "16", "--test-rows", "8", "--epochs", "1", "--fisher-samples", "4", "--replay", "4", "--ewc", "10", "1000", "--max-length", "16");
        r.AssertSuccess();
        Assert.Contains("task A = computers, definitions, task B = politics, zippy (one 4-class head); train 16 + 16 rows, test 8 + 8 rows", r.Out);
        Assert.Matches(@"after A: accuracy on A \d\.\d{4}, on B \d\.\d{4}", r.Out);
        foreach (var variant in new[] { "plain", "EWC λ=10", "EWC λ=1000", "replay 4", "EWC λ=10 + replay", "EWC λ=1000 + replay" })
            Assert.Matches(@"\| " + System.Text.RegularExpressions.Regex.Escape(variant) + @" \| \d\.\d{4} \| \d\.\d{4} \| [+-]\d\.\d{4} \| \d+ \| \d+\.\d\d× \| \d+ \|", r.Out);
        Assert.Contains("load average", r.Out);
    }

    [Fact]
    public void BadGroupsAndLambdasGiveOneLineErrors()
    {
        string train = Fortunes("train.csv");
        CliResult.Run("bench", "continual", "--pair", "poems").AssertOneLineError("--pair", "'poems'");
        CliResult.Run("bench", "continual", "--pair", "fortunes", "--ewc", "0").AssertOneLineError("--ewc", "> 0");
        CliResult.Run("bench", "continual", "--pair", "fortunes", "--train", train, "--test", train, "--group-a", "computers,zippy", "--group-b", "zippy")
            .AssertOneLineError("'zippy'", "--group-a", "--group-b", "disjoint");
        CliResult.Run("bench", "continual", "--pair", "fortunes", "--train", train, "--test", train, "--group-b", "politics,startrek")
            .AssertOneLineError(train, "'startrek'", "task B", "Label");
        CliResult.Run("bench", "continual", "--pair", "fortunes", "--train", "/no/such/fortunes.csv").AssertOneLineError("/no/such/fortunes.csv");
    }
}
