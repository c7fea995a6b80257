using Microsoft.ML;

namespace MLNetLlm;

/// <summary>The entry point to MLNetLlm from an <see cref="MLContext"/>: <c>mlContext.Llm()</c>.</summary>
public static class MLContextExtensions
{
    /// <summary>
    /// Returns the MLNetLlm catalog for this context. Data steps, trainers and the model file hang off it, e.g.
    /// <c>mlContext.Llm().Model.Save(model, schema, "model.mlnetllm")</c>.
    /// </summary>
    public static LlmCatalog Llm(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new LlmCatalog(mlContext);
    }
}
