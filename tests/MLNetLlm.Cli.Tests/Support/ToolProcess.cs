using System.Diagnostics;

namespace MLNetLlm.Cli.Tests.Support;

/// <summary>The built tool (mlnet-llm.dll beside the tests) run as a real child process: exit code and streams as a shell sees them.</summary>
public static class ToolProcess
{
    public static (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "mlnet-llm.dll");
        Assert.True(File.Exists(dll), $"the tool is not beside the tests: {dll}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("MLNETLLM_DEBUG");
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3))) { p.Kill(entireProcessTree: true); Assert.Fail("the tool did not exit"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
