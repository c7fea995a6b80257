namespace MLNetLlm.IO;

/// <summary>A data file that cannot be used as asked: missing, empty, malformed, a missing column or a bad value.</summary>
public sealed class DataFileException : Exception
{
    public DataFileException(string path, string message, int? line = null, string? column = null, Exception? inner = null)
        : base(message, inner)
    {
        Path = path;
        Line = line;
        Column = column;
    }

    public DataFileException(string path, string message, Exception inner) : this(path, message, null, null, inner) { }

    /// <summary>The file (or source name) the problem is in.</summary>
    public string Path { get; }

    /// <summary>The 1-based line in the file, when the problem is in one place.</summary>
    public int? Line { get; }

    /// <summary>The column, when the problem is in one column.</summary>
    public string? Column { get; }
}
