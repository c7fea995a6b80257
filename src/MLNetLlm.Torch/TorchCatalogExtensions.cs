using MLNetLlm.Torch.Embeddings;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Torch;

/// <summary>Transformer trainers on <c>mlContext.Llm()</c>.</summary>
public static class TorchCatalogExtensions
{
    /// <summary>A BERT text classifier (binary for a Boolean label, multiclass for a key label).</summary>
    /// <example><code>
    /// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
    ///     .Append(mlContext.Llm().TextClassification(new TextClassificationTrainer.Options { NumberOfEpochs = 3 }));
    /// var model = pipeline.Fit(train);
    /// </code></example>
    public static TextClassificationTrainer TextClassification(this LlmCatalog catalog, TextClassificationTrainer.Options? options = null) =>
        new(catalog.Context, options ?? new TextClassificationTrainer.Options());

    /// <summary>A BERT regressor over sentence pairs (similarity scores such as STS-B).</summary>
    /// <example><code>
    /// var model = mlContext.Llm().SentencePairRegression(new SentencePairRegressionTrainer.Options
    ///     { FirstTextColumnName = "Sentence1", SecondTextColumnName = "Sentence2" }).Fit(train);
    /// </code></example>
    public static SentencePairRegressionTrainer SentencePairRegression(this LlmCatalog catalog, SentencePairRegressionTrainer.Options? options = null) =>
        new(catalog.Context, options ?? new SentencePairRegressionTrainer.Options());

    /// <summary>
    /// Sentence embeddings from a pretrained BERT encoder (mean pooling over the attention mask, optionally
    /// L2-normalised) as a float-vector column of the encoder's hidden size: a featurizer for any ML.NET trainer.
    /// </summary>
    /// <example><code>
    /// var pipeline = mlContext.Llm().SentenceEmbedding("Features", "Text", new() { PretrainedModel = "all-MiniLM-L6-v2" })
    ///     .Append(mlContext.Transforms.Conversion.MapValueToKey("Label"))
    ///     .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy());
    /// </code></example>
    public static SentenceEmbeddingEstimator SentenceEmbedding(this LlmCatalog catalog, string outputColumnName = SentenceEmbeddingEstimator.Defaults.OutputColumnName,
        string inputColumnName = SentenceEmbeddingEstimator.Defaults.InputColumnName, SentenceEmbeddingEstimator.Options? options = null) =>
        new(catalog.Context, outputColumnName, inputColumnName, options ?? new SentenceEmbeddingEstimator.Options());
}
