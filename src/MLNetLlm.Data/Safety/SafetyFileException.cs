namespace MLNetLlm.Data.Safety;

/// <summary>A lexicon or rule file that cannot be used; the message names the file and line.</summary>
public sealed class SafetyFileException : FormatException
{
    public SafetyFileException(string source, int line, string message)
        : base(line > 0 ? $"{source}:{line}: {message}" : $"{source}: {message}")
    {
        Source = source;
        Line = line;
    }

    /// <summary>The file (or the name given for text read from elsewhere).</summary>
    public new string Source { get; }

    /// <summary>The 1-based line, or 0 when the problem is the whole file.</summary>
    public int Line { get; }
}
