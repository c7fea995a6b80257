using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.AutoML.Torch.DefaultSpaces;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Compression;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Embeddings;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.AutoML.Torch;

/// <summary>
/// The TorchSharp stages of <c>mlContext.Llm().Auto()</c>: transformer fine-tuning, its compression alternatives and
/// sentence embeddings as sweepable estimators. They live in this bridge package so that MLNetLlm.AutoML itself
/// carries no TorchSharp/libtorch dependency; add <c>using MLNetLlm.AutoML.Torch;</c> and call them on the catalog as
/// before (<c>auto.TextClassification()</c>, <c>auto.Compression()</c>, <c>auto.SentenceEmbedding()</c>).
/// </summary>
public static class AutoCatalogTorchExtensions
{
    /// <summary>
    /// Sentence embeddings from a pretrained encoder (<c>mlContext.Llm().SentenceEmbedding</c>) as a searched
    /// alternative to <see cref="AutoCatalog.FeaturizeText"/>: normalisation on/off and max length
    /// (<see cref="SentenceEmbeddingSearchOptions"/>; a length beyond the checkpoint's positions is capped to them).
    /// <paramref name="configure"/> sets the fixed options (encoder, batch size, device, threads, and any option a
    /// smaller <paramref name="searchSpace"/> leaves out).
    /// </summary>
    /// <example><code>
    /// var pipeline = new SweepablePipeline()
    ///     .Append(auto.FeaturizeText(), auto.SentenceEmbedding(configure: o =&gt; o.PretrainedModel = "all-MiniLM-L6-v2"))
    ///     .Append(auto.SdcaLogisticRegression(), auto.LightGbmBinary());
    /// </code></example>
    public static SweepableEstimator SentenceEmbedding(this AutoCatalog auto, string outputColumnName = "Features", string inputColumnName = "Text",
        Action<SentenceEmbeddingEstimator.Options>? configure = null, SearchSpaces.SearchSpace? searchSpace = null)
    {
        var space = searchSpace ?? new SearchSpaces.SearchSpace<SentenceEmbeddingSearchOptions>();
        bool searchNormalize = space.Keys.Contains(nameof(SentenceEmbeddingSearchOptions.Normalize));
        bool searchLength = space.Keys.Contains(nameof(SentenceEmbeddingSearchOptions.MaxLength));
        return SweepableEstimator.Create<SentenceEmbeddingSearchOptions>("sentence_embedding", (ctx, o) =>
        {
            // Searched values replace the configured ones; options left out of the space keep what configure set.
            var options = new SentenceEmbeddingEstimator.Options();
            configure?.Invoke(options);
            if (searchNormalize) options.Normalize = o.Normalize;
            if (searchLength) options.MaxLength = Math.Min(o.MaxLength, SentenceEmbeddingEstimator.MaxPositions(options.PretrainedModel));
            return ctx.Llm().SentenceEmbedding(outputColumnName, inputColumnName, options);
        }, space);
    }

    /// <summary>
    /// MLNetLlm's transformer fine-tuning (binary or multiclass), searched over the attributes of
    /// <see cref="TransformerTrainingOptions"/> (mode, learning rate, epochs, batch size, max length, weight decay,
    /// warm-up, LoRA rank/alpha/dropout, prompt tokens). <paramref name="configure"/> sets the fixed options (model
    /// path, device, validation fraction). With validation data, each epoch's validation loss goes to the pruner, so
    /// median/ASHA pruning stops bad fine-tuning runs early.
    /// </summary>
    public static SweepableEstimator TextClassification(this AutoCatalog auto, string labelColumnName = "Label", string textColumnName = "Text",
        Action<TextClassificationTrainer.Options>? configure = null, SearchSpaces.SearchSpace? searchSpace = null) =>
        SweepableEstimator.Create<TextClassificationTrainer.Options>("transformer", (ctx, o, trial) =>
        {
            configure?.Invoke(o);
            o.LabelColumnName = labelColumnName;
            o.TextColumnName = textColumnName;
            if (trial is not null)
            {
                var user = o.Progress;
                o.CancellationToken = trial.CancellationToken;
                o.Progress = new EpochReporter(trial, user);
            }
            return ctx.Llm().TextClassification(o);
        }, searchSpace);

    /// <summary>
    /// The compression alternatives for the classifier the stage before trains (<see cref="TextClassification"/>):
    /// <c>none</c>, <see cref="Quantize"/>, <see cref="Prune"/> and <see cref="Distill"/>, each with its default space.
    /// Append them as one stage after the fine-tuning stage. <paramref name="configure"/> sets the options every
    /// compression step shares (device, inference threads and batch size).
    /// </summary>
    /// <example>
    /// <code>
    /// var pipeline = new SweepablePipeline()
    ///     .Append(auto.NormalizeText())
    ///     .Append(auto.TextClassification(configure: o =&gt; o.PretrainedModelPath = "models/bert-base"))
    ///     .Append(auto.Compression());
    /// </code>
    /// </example>
    public static SweepableEstimator[] Compression(this AutoCatalog auto, string labelColumnName = "Label", string textColumnName = "Text", Action<CompressionOptions>? configure = null) =>
    [
        SweepableEstimator.Skip("none"),
        auto.Quantize(labelColumnName, textColumnName, configure),
        auto.Prune(labelColumnName, textColumnName, configure),
        auto.Distill(labelColumnName, textColumnName, configure),
    ];

    /// <summary>
    /// Int8 quantization of the classifier the stage before trains (a wrapper stage: <c>ctx.Llm().Quantize(trainer, o)</c>),
    /// searched over <see cref="QuantizationOptions"/>' mode (none, dynamic int8, weight-only int8).
    /// </summary>
    public static SweepableEstimator Quantize(this AutoCatalog auto, string labelColumnName = "Label", string textColumnName = "Text",
        Action<QuantizationOptions>? configure = null, SearchSpaces.SearchSpace? searchSpace = null) =>
        SweepableEstimator.CreateWrapper<QuantizationOptions>("quantize",
            (ctx, o, trainer) => ctx.Llm().Quantize(trainer, Columns(o, configure, labelColumnName, textColumnName)), searchSpace);

    /// <summary>
    /// Pruning of the classifier the stage before trains (a wrapper stage: <c>ctx.Llm().Prune(trainer, o)</c>), searched
    /// over <see cref="PruningOptions"/>' sparsity, scope, head and FFN fractions, recovery epochs and storage.
    /// </summary>
    public static SweepableEstimator Prune(this AutoCatalog auto, string labelColumnName = "Label", string textColumnName = "Text",
        Action<PruningOptions>? configure = null, SearchSpaces.SearchSpace? searchSpace = null) =>
        SweepableEstimator.CreateWrapper<PruningOptions>("prune",
            (ctx, o, trainer) => ctx.Llm().Prune(trainer, Columns(o, configure, labelColumnName, textColumnName)), searchSpace);

    /// <summary>
    /// Distillation of the classifier the stage before trains into a smaller student (a wrapper stage:
    /// <c>ctx.Llm().Distill(trainer, o)</c>), searched over <see cref="DistillationOptions"/>' student layers,
    /// temperature, α, hidden-state weight, learning rate and storage.
    /// </summary>
    public static SweepableEstimator Distill(this AutoCatalog auto, string labelColumnName = "Label", string textColumnName = "Text",
        Action<DistillationOptions>? configure = null, SearchSpaces.SearchSpace? searchSpace = null) =>
        SweepableEstimator.CreateWrapper<DistillationOptions>("distill",
            (ctx, o, trainer) => ctx.Llm().Distill(trainer, Columns(o, configure, labelColumnName, textColumnName)), searchSpace);

    static T Columns<T>(T options, Action<T>? configure, string label, string text) where T : CompressionOptions
    {
        configure?.Invoke(options);
        options.LabelColumnName = label;
        options.TextColumnName = text;
        return options;
    }
}
