namespace MLNetLlm.Persistence;

/// <summary>A model file that is missing, truncated, of another format or version, or names a part that cannot load.</summary>
public sealed class ModelFileException : Exception
{
    public ModelFileException(string message) : base(message) { }
    public ModelFileException(string message, Exception inner) : base(message, inner) { }
}
