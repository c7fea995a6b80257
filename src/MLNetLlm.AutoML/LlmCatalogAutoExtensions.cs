namespace MLNetLlm.AutoML;

/// <summary>Hangs AutoML off MLNetLlm's catalog: <c>mlContext.Llm().Auto()</c>.</summary>
public static class LlmCatalogAutoExtensions
{
    /// <summary>AutoML experiments and sweepable estimators for this context.</summary>
    /// <example><code>var experiment = mlContext.Llm().Auto().CreateExperiment();</code></example>
    public static AutoCatalog Auto(this LlmCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AutoCatalog(catalog.Context);
    }
}
