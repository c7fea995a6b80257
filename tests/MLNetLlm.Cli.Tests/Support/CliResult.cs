namespace MLNetLlm.Cli.Tests.Support;

/// <summary>What one in-process run of the CLI returned and printed.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err)
{
    public static CliResult Run(params string[] args) => RunWithInput(null, args);

    public static CliResult RunWithInput(string? stdin, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Cli.Run(args, o, e, stdin == null ? null : new StringReader(stdin));
        return new CliResult(code, o.ToString(), e.ToString());
    }

    /// <summary>Asserts a failed run that printed exactly one error line containing every fragment, and no stack trace.</summary>
    public void AssertOneLineError(params string[] fragments)
    {
        Assert.True(ExitCode != 0, $"expected a non-zero exit code; stdout: {Out}");
        var lines = Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got {lines.Length}: {Err}");
        Assert.StartsWith("mlnet-llm: error: ", lines[0]);
        Assert.DoesNotContain("   at ", Err);
        foreach (var f in fragments) Assert.Contains(f, lines[0]);
    }

    public void AssertSuccess() => Assert.True(ExitCode == 0, $"exit code {ExitCode}; stderr: {Err}; stdout: {Out}");
}
