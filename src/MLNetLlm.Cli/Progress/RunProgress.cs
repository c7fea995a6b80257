namespace MLNetLlm.Cli.Progress;

/// <summary>Picks how progress is shown.</summary>
internal static class RunProgress
{
    /// <summary>
    /// Live progress when <paramref name="output"/> is the process's console, the console is a terminal and CI is not
    /// set; plain lines otherwise (files, pipes, CI logs, tests).
    /// </summary>
    public static IRunProgress For(TextWriter output, string metric)
    {
        bool console = ReferenceEquals(output, Console.Out);
        bool ci = Environment.GetEnvironmentVariable("CI") is { Length: > 0 } v && v != "0" && !v.Equals("false", StringComparison.OrdinalIgnoreCase);
        bool dumb = Environment.GetEnvironmentVariable("TERM") is "dumb";
        if (console && !Console.IsOutputRedirected && !ci && !dumb) return new LiveProgress(metric);
        return new PlainProgress(output, metric);
    }
}
