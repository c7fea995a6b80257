using Microsoft.ML;

namespace MLNetLlm.Persistence;

/// <summary>
/// A transformer with state that ML.NET's own model format cannot hold (ML.NET's loader registration is internal).
/// <see cref="LlmModelOperations.Save"/> stores it in its own folder of the model file.
/// </summary>
/// <remarks>
/// An implementing type must also declare <c>public static ITransformer LoadFrom(MLContext mlContext, string directory)</c>;
/// the model file records the type's name and calls that method to load it in a fresh process. The directory is
/// deleted once <c>LoadFrom</c> returns, so it must read everything it needs before returning.
/// </remarks>
public interface IPersistentTransformer : ITransformer
{
    /// <summary>Writes everything needed to rebuild this transformer into an existing, empty directory.</summary>
    void SaveTo(string directory);
}
