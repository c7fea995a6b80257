using Microsoft.ML;
using MLNetLlm.Data.Augmentation;
using MLNetLlm.Data.Balancing;
using MLNetLlm.Data.Chunking;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Data.MissingValues;
using MLNetLlm.Data.Outliers;
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
    public static TextNormalizerEstimator NormalizeText(this LlmCatalog catalog, string outputColumnName, string? inputColumnName = null, TextNormalizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TextNormalizerEstimator(options, (outputColumnName, inputColumnName ?? outputColumnName));
    }

    /// <summary>
    /// Wraps <paramref name="then"/> so that <paramref name="operations"/> (deduplication, filtering, balancing,
    /// augmentation, chunking) change the training rows inside <c>Fit</c> only; the fitted model is <paramref name="then"/>'s
    /// transformer, so prediction and evaluation data pass through untouched.
    /// </summary>
    /// <example><code>
    /// var dedup = mlContext.Llm().Deduplicate(new DeduplicationOptions { TextColumnName = "Text" });
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

    /// <summary>A row step that evens out the classes of a label column (over/undersampling, SMOTE, augmentation; see <see cref="BalanceOptions"/>).</summary>
    /// <example><code>
    /// var trainer = mlContext.Llm().ApplyWhenTraining(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression(),
    ///     mlContext.Llm().Balance(new BalanceOptions { Method = BalanceMethod.Smote, FeatureColumn = "Features" }));
    /// var pipeline = mlContext.Transforms.Text.FeaturizeText("Features", "Text").Append(trainer);
    /// </code></example>
    public static LabelBalancer Balance(this LlmCatalog catalog, BalanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new LabelBalancer(options);
    }

    /// <summary>A row step that appends EDA-augmented copies of rows, labels unchanged (see <see cref="AugmentationOptions"/>).</summary>
    /// <example><code>var augment = mlContext.Llm().Augment(new AugmentationOptions { WordNetPath = "/usr/share/wordnet", AugmentationsPerRow = 2 });</code></example>
    public static TextAugmenter Augment(this LlmCatalog catalog, AugmentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TextAugmenter(options);
    }

    /// <summary>A row step that splits long texts into token windows, each a row with the document's label and id (see <see cref="ChunkingOptions"/>).</summary>
    /// <example><code>var chunk = mlContext.Llm().Chunk(new ChunkingOptions { MaxTokens = 128, Overlap = 16, VocabularyPath = "vocab.txt" });</code></example>
    public static TextChunker Chunk(this LlmCatalog catalog, ChunkingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TextChunker(options);
    }

    /// <summary>A row step that drops rows with a blank text or NaN number in any of <paramref name="columns"/>.</summary>
    /// <example><code>var dropMissing = mlContext.Llm().DropMissing("Text", "Label");</code></example>
    public static MissingValueFilter DropMissing(this LlmCatalog catalog, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MissingValueFilter(columns);
    }

    /// <summary>A row step that drops rows whose numeric value or text length has a Z-score above the threshold (see <see cref="OutlierOptions"/>).</summary>
    /// <example><code>var outliers = mlContext.Llm().FilterOutliers(new OutlierOptions { TextLengthColumns = ["Text"], Threshold = 3 });</code></example>
    public static OutlierFilter FilterOutliers(this LlmCatalog catalog, OutlierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new OutlierFilter(options);
    }

    /// <summary>Replaces missing values (blank text, NaN) with a placeholder or the training mean/median/constant, at training and prediction time.</summary>
    /// <example><code>var fill = mlContext.Llm().FillMissing(new MissingValueFillOptions { InputColumn = "Text", Fill = MissingValueFill.Placeholder });</code></example>
    public static MissingValueFillEstimator FillMissing(this LlmCatalog catalog, params MissingValueFillOptions[] columns)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MissingValueFillEstimator(columns);
    }
}
