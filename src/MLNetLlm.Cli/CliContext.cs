using MLNetLlm.IO;
using MLNetLlm.Persistence;

namespace MLNetLlm.Cli;

/// <summary>The streams one invocation of the CLI reads and writes, and its error handling.</summary>
internal sealed class CliContext(TextWriter output, TextWriter error, TextReader input)
{
    /// <summary>Exit code of a run that failed because of its input (a file, a column, an option value).</summary>
    public const int InputError = ExitCodes.InputError;

    /// <summary>Exit code of a run that failed for another reason (a bug, an environment problem).</summary>
    public const int InternalError = ExitCodes.InternalError;

    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;
    public TextReader In { get; } = input;

    /// <summary>Runs a command body; a failure becomes one line on <see cref="Err"/> and a non-zero exit code, never a stack trace
    /// (set MLNETLLM_DEBUG=1 to see it).</summary>
    public int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception ex) when (ex is CliException or DataFileException or ModelFileException or FileNotFoundException
                                       or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            Fail(ex.Message, ex);
            return InputError;
        }
        catch (IOException ex)
        {
            Fail(ex.Message, ex);
            return InputError;
        }
        catch (Exception ex)
        {
            Fail($"unexpected {ex.GetType().Name}: {ex.Message}", ex);
            return InternalError;
        }
    }

    void Fail(string message, Exception ex)
    {
        Err.WriteLine("mlnet-llm: error: " + OneLine(message));
        if (Environment.GetEnvironmentVariable("MLNETLLM_DEBUG") is "1" or "true") Err.WriteLine(ex.ToString());
    }

    static string OneLine(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
