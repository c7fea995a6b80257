using System.Runtime.InteropServices;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// Ctrl+C and SIGTERM during <c>train</c>: the first one cancels <see cref="Token"/> (the run stops starting trials,
/// lets the running ones finish — the time budget still cancels them at its end — and writes its output from what
/// finished); the second one quits the process at once with <see cref="ExitCodes.Aborted"/>.
/// </summary>
internal sealed class RunInterruption : IDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly TextWriter _notices;
    readonly string _firstNotice;
    readonly PosixSignalRegistration[] _registrations;
    int _count;

    RunInterruption(TextWriter notices, string firstNotice, bool listen)
    {
        _notices = notices;
        _firstNotice = firstNotice;
        _registrations = listen
            ? [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)]
            : [];
    }

    /// <summary>Listens for SIGINT (Ctrl+C) and SIGTERM until disposed.</summary>
    /// <param name="notices">Where the one-line notices go (stderr).</param>
    /// <param name="firstNotice">What the first interrupt does, e.g. "no new trials; the running ones finish".</param>
    public static RunInterruption Listen(TextWriter notices, string firstNotice) => new(notices, firstNotice, listen: true);

    /// <summary>One that only <see cref="Request"/> triggers (in-process callers, tests).</summary>
    public static RunInterruption Manual(TextWriter notices) => new(notices, "", listen: false);

    /// <summary>Cancelled by the first interrupt.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>The signal that interrupted the run (SIGINT, SIGTERM), or null.</summary>
    public string? Signal { get; private set; }

    /// <summary>Does what the first signal does (without quitting on a second call).</summary>
    public void Request(string signal = "request")
    {
        if (Interlocked.Increment(ref _count) != 1) return;
        Signal = signal;
        _stop.Cancel();
    }

    void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the runtime must not end the process: the run ends itself
        string name = context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";
        if (Interlocked.Increment(ref _count) == 1)
        {
            Signal = name;
            Notice($"mlnet-llm: interrupted ({name}): {_firstNotice}. Press Ctrl+C again to quit at once.");
            _stop.Cancel();
            return;
        }
        Notice($"mlnet-llm: interrupted again ({name}): quitting now, nothing more is written (exit code {ExitCodes.Aborted}).");
        Environment.Exit(ExitCodes.Aborted);
    }

    void Notice(string line)
    {
        try
        {
            lock (_notices)
            {
                _notices.WriteLine(line);
                _notices.Flush();
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException) { }
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _stop.Dispose();
    }
}
