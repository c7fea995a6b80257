using MLNetLlm.Data.Cleaning;

namespace MLNetLlm.Data;

/// <summary>MLNetLlm's data steps on <c>mlContext.Llm()</c>: cleaning, deduplication, balancing, augmentation, chunking.</summary>
public static class DataCatalogExtensions
{
    /// <summary>Normalizes the text of <paramref name="inputColumnName"/> into <paramref name="outputColumnName"/> (see <see cref="TextNormalizerOptions"/>).</summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="outputColumnName">The column to write; the same name as the input replaces it.</param>
    /// <param name="inputColumnName">The text column to read; null: <paramref name="outputColumnName"/>.</param>
    /// <param name="options">What to do; null: the defaults.</param>
    /// <example><code>
    /// var pipeline = mlContext.Llm().NormalizeText("Text", options: new TextNormalizerOptions { StripEmailHeaders = true, MaskUrls = true })
    ///     .Append(mlContext.Transforms.Text.FeaturizeText("Features", "Text"));
    /// </code></example>
    public static TextNormalizingEstimator NormalizeText(this LlmCatalog catalog, string outputColumnName, string? inputColumnName = null, TextNormalizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TextNormalizingEstimator(options, (outputColumnName, inputColumnName ?? outputColumnName));
    }
}
