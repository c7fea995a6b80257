using Microsoft.ML;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;

namespace MLNetLlm.Torch.Compression;

/// <summary>Compression steps on <c>mlContext.Llm()</c>: quantization, pruning and distillation of text classifiers.</summary>
public static class CompressionCatalog
{
    /// <summary>Quantizes the classifier <paramref name="baseEstimator"/> trains (dynamic int8 by default).</summary>
    /// <example><code>
    /// var trainer = mlContext.Llm().TextClassification(new TextClassificationTrainer.Options { NumberOfEpochs = 2 });
    /// var model = mlContext.Llm().Quantize(trainer, new QuantizationOptions { Mode = QuantizationMode.DynamicInt8 }).Fit(train);
    /// </code></example>
    public static QuantizeEstimator Quantize(this LlmCatalog catalog, IEstimator<ITransformer> baseEstimator, QuantizationOptions? options = null) =>
        new(catalog.Context, baseEstimator, null, options ?? new QuantizationOptions());

    /// <summary>Quantizes an already trained classifier.</summary>
    /// <example><code>var int8 = mlContext.Llm().Quantize(trainedModel).Fit(train);</code></example>
    public static QuantizeEstimator Quantize(this LlmCatalog catalog, ITransformer trainedModel, QuantizationOptions? options = null) =>
        new(catalog.Context, null, trainedModel, options ?? new QuantizationOptions());

    /// <summary>Prunes the classifier <paramref name="baseEstimator"/> trains (50% unstructured sparsity by default).</summary>
    /// <example><code>var pruned = mlContext.Llm().Prune(trainer, new PruningOptions { Sparsity = 0.5, FeedForwardFraction = 0.5 }).Fit(train);</code></example>
    public static PruneEstimator Prune(this LlmCatalog catalog, IEstimator<ITransformer> baseEstimator, PruningOptions? options = null) =>
        new(catalog.Context, baseEstimator, null, options ?? new PruningOptions());

    /// <summary>Prunes an already trained classifier (fine-tunes a copy on the data given to Fit).</summary>
    /// <example><code>var pruned = mlContext.Llm().Prune(trainedModel, new PruningOptions { HeadFraction = 0.5 }).Fit(train);</code></example>
    public static PruneEstimator Prune(this LlmCatalog catalog, ITransformer trainedModel, PruningOptions? options = null) =>
        new(catalog.Context, null, trainedModel, options ?? new PruningOptions());

    /// <summary>Distils the classifier <paramref name="baseEstimator"/> trains into a student with half the layers by default.</summary>
    /// <example><code>var student = mlContext.Llm().Distill(trainer, new DistillationOptions { StudentLayers = 2, Temperature = 4 }).Fit(train);</code></example>
    public static DistillEstimator Distill(this LlmCatalog catalog, IEstimator<ITransformer> baseEstimator, DistillationOptions? options = null) =>
        new(catalog.Context, baseEstimator, null, options ?? new DistillationOptions());

    /// <summary>Distils an already trained classifier (the teacher) into a student trained on the data given to Fit.</summary>
    /// <example><code>var student = mlContext.Llm().Distill(teacherModel, new DistillationOptions { StudentLayers = 6 }).Fit(train);</code></example>
    public static DistillEstimator Distill(this LlmCatalog catalog, ITransformer trainedModel, DistillationOptions? options = null) =>
        new(catalog.Context, null, trainedModel, options ?? new DistillationOptions());
}
