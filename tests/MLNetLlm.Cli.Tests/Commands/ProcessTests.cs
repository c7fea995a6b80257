using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>The built tool, run as a real child process: exit codes and streams as a shell sees them.</summary>
public sealed class ProcessTests : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    static (int Code, string Out, string Err) RunTool(string stdin, params string[] args) => ToolProcess.Run(stdin, args);

    [Trait("Speed", "Slow")]
    [Fact]
    public void ToolTrainsAndPredictsFromStdinAndFailsCleanlyOnBadInput()
    {
        string train = _tmp.Write("train.csv", SyntheticData.Classification(60, seed: 11, "spam", "ham"));
        string output = _tmp.File("out");
        var ok = RunTool("", "train", "--dataset", train, "--positive-label", "spam", "--split", "0.25", "--output", output);
        Assert.True(ok.Code == 0, ok.Err);
        Assert.Contains("accuracy", ok.Out);

        var pred = RunTool("prize cash winner free offer\n", "predict", "--model", Path.Combine(output, "model.mlnetllm"));
        Assert.True(pred.Code == 0, pred.Err);
        Assert.StartsWith("spam,", pred.Out.Split('\n')[1]);

        var bad = RunTool("", "train", "--dataset", train, "--label-col", "Category", "--output", output);
        Assert.Equal(1, bad.Code);
        Assert.Single(bad.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Column 'Category' not found", bad.Err);
        Assert.DoesNotContain("   at ", bad.Err);
    }
}
