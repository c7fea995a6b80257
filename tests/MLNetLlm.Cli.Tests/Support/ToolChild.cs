using System.Diagnostics;

namespace MLNetLlm.Cli.Tests.Support;

/// <summary>
/// The built tool (mlnet-llm.dll beside the tests) as a running child process: its output lines as they come, so a
/// test can wait for progress (never a sleep), send it a signal, and see how it exits.
/// </summary>
public sealed class ToolChild : IDisposable
{
    readonly Process _process;
    readonly List<string> _out = [], _err = [];
    readonly object _gate = new();

    public ToolChild(params string[] args) : this(null, args) { }

    /// <param name="environment">Variables to set in the child's environment (null values remove one).</param>
    /// <param name="args">The tool's arguments.</param>
    public ToolChild(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "mlnet-llm.dll");
        Assert.True(File.Exists(dll), $"the tool is not beside the tests: {dll}");
        // A process started in the background by a non-interactive shell inherits SIGINT/SIGQUIT as ignored, and .NET
        // keeps an inherited ignore (as nohup expects). The interrupt tests send SIGINT, so the child gets the default
        // disposition back through GNU env (which execs, so the process id stays the tool's).
        bool resetSignals = File.Exists("/usr/bin/env") && OperatingSystem.IsLinux();
        var psi = new ProcessStartInfo(resetSignals ? "/usr/bin/env" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        if (resetSignals)
        {
            psi.ArgumentList.Add("--default-signal=INT,QUIT");
            psi.ArgumentList.Add("dotnet");
        }
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("MLNETLLM_DEBUG");
        psi.Environment["CI"] = "1"; // plain progress lines
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>()) psi.Environment[k] = v;
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Add(_out, e.Data);
        _process.ErrorDataReceived += (_, e) => Add(_err, e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Out { get { lock (_gate) return string.Join('\n', _out); } }

    public string Err { get { lock (_gate) return string.Join('\n', _err); } }

    void Add(List<string> lines, string? line)
    {
        if (line == null) return;
        lock (_gate)
        {
            lines.Add(line);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> stdout lines match <paramref name="pattern"/>; fails if the process ends first or the time runs out.</summary>
    public void WaitForLines(string pattern, int count, TimeSpan timeout)
    {
        var regex = new System.Text.RegularExpressions.Regex(pattern);
        var until = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (_out.Count(l => regex.IsMatch(l)) < count)
            {
                if (_process.HasExited && !Monitor.Wait(_gate, 500))
                    Assert.Fail($"the tool exited ({_process.ExitCode}) before {count} lines matched /{pattern}/:\n{string.Join('\n', _out)}\n{string.Join('\n', _err)}");
                if (DateTime.UtcNow >= until)
                    Assert.Fail($"no {count} lines matched /{pattern}/ in {timeout}:\n{string.Join('\n', _out)}\n{string.Join('\n', _err)}");
                Monitor.Wait(_gate, 500);
            }
        }
    }

    /// <summary>Sends a POSIX signal by name (INT, TERM, KILL) with the shell's kill, as a user would.</summary>
    public void Signal(string signal)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"kill -s {signal} {_process.Id}");
        using var kill = Process.Start(psi)!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the exit and returns the exit code (the process tree is killed on timeout).</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"the tool did not exit within {timeout}:\n{Out}\n{Err}");
        }
        _process.WaitForExit(); // flushes the output events
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
