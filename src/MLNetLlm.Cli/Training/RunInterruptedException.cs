namespace MLNetLlm.Cli.Training;

/// <summary>A run interrupted (Ctrl+C / SIGTERM) before anything finished that could be written: exit code <see cref="ExitCodes.InterruptedNothingWritten"/>.</summary>
internal sealed class RunInterruptedException(string message) : Exception(message);
