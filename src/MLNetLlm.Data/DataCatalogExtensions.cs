using Microsoft.ML;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Data.RowOperations;

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

    /// <summary>
    /// Wraps <paramref name="then"/> so that <paramref name="operations"/> (deduplication, filtering, balancing,
    /// augmentation, chunking) change the training rows inside <c>Fit</c> only; the fitted model is <paramref name="then"/>'s
    /// transformer, so prediction and evaluation data pass through untouched.
    /// </summary>
    /// <example><code>
    /// var dedup = mlContext.Llm().Deduplicate(new DeduplicationOptions { TextColumn = "Text" });
    /// var pipeline = mlContext.Llm().ApplyWhenTraining(
    ///     mlContext.Transforms.Text.FeaturizeText("Features", "Text").Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression()),
    ///     dedup);
    /// var model = pipeline.Fit(train);                 // dedup ran on train only
    /// Console.WriteLine(pipeline.LastReports[0]);       // "Deduplicate: 1000 in, 930 out; dropped exact-duplicate=52, near-duplicate=18 ..."
    /// var metrics = mlContext.BinaryClassification.Evaluate(model.Transform(test)); // test is not deduplicated
    /// </code></example>
    public static TrainingOnlyEstimator<TTransformer> ApplyWhenTraining<TTransformer>(this LlmCatalog catalog, IEstimator<TTransformer> then, params IRowOperation[] operations)
        where TTransformer : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TrainingOnlyEstimator<TTransformer>(then, operations);
    }

    /// <summary>A row step that drops exact and near-duplicate texts, keeping the first (see <see cref="DeduplicationOptions"/>).</summary>
    /// <example><code>var (clean, reports) = RowOperationRunner.Apply(data, mlContext.Llm().Deduplicate(new() { JaccardThreshold = 0.8 }));</code></example>
    public static Deduplicator Deduplicate(this LlmCatalog catalog, DeduplicationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new Deduplicator(options);
    }
}
