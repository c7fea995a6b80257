using MLNetLlm.Chinese.Segmentation;

namespace MLNetLlm.Chinese;

/// <summary>MLNetLlm's Chinese steps on <c>mlContext.Llm()</c>.</summary>
public static class ChineseCatalogExtensions
{
    /// <summary>
    /// Splits Chinese text into words with jieba (see <see cref="WordSegmentationOptions"/>): by default the words joined by
    /// spaces, so that the next <c>FeaturizeText</c> counts word n-grams instead of whole sentences.
    /// </summary>
    /// <param name="catalog">The catalog.</param>
    /// <param name="outputColumnName">The column to write; the same name as the input replaces it.</param>
    /// <param name="inputColumnName">The text column to read; null: <paramref name="outputColumnName"/>.</param>
    /// <param name="options">Mode, HMM, user dictionary, output shape; null: jieba's defaults (precise, HMM on).</param>
    /// <example><code>
    /// var pipeline = mlContext.Llm().NormalizeText("Text")
    ///     .Append(mlContext.Llm().SegmentWords("Words", "Text"))             // 我来到北京清华大学 → "我 来到 北京 清华大学"
    ///     .Append(mlContext.Transforms.Text.FeaturizeText("Features", "Words"))
    ///     .Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression());
    /// </code></example>
    public static WordSegmentationEstimator SegmentWords(this LlmCatalog catalog, string outputColumnName, string? inputColumnName = null, WordSegmentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new WordSegmentationEstimator(options, (outputColumnName, inputColumnName ?? outputColumnName));
    }
}
