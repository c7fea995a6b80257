using MLNetLlm.Torch.Devices;
using MLNetLlm.Torch.Embeddings;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// The <c>--featurizer embedding</c> settings of a run: a pretrained encoder's sentence embeddings (mean pooling) as the
/// features of SDCA / LightGBM / FastTree instead of n-grams. Stored in run.json under <c>embedding</c>.
/// </summary>
internal sealed class EmbeddingSettings
{
    /// <summary>The encoder: a catalogue name or a HF BERT checkpoint folder (<c>--pretrained</c>). Default all-MiniLM-L6-v2.</summary>
    public string Model { get; set; } = SentenceEmbeddingEstimator.Defaults.PretrainedModel;

    /// <summary>Tokens per text (<c>--max-length</c>); 8–512. Null: the estimator's default (256, capped by the checkpoint), or searched by AutoML.</summary>
    public int? MaxLength { get; set; }

    /// <summary>Texts per forward pass (<c>--batch-size</c>); 1–512. Null: 32.</summary>
    public int? BatchSize { get; set; }

    /// <summary>Unit-length embeddings (<c>--no-embedding-normalize</c> turns it off). Default true; searched by AutoML unless turned off.</summary>
    public bool Normalize { get; set; } = true;

    /// <summary>auto (CUDA when available), cpu or cuda[:N] (<c>--device</c>). Default auto.</summary>
    public string Device { get; set; } = "auto";

    public EmbeddingSettings Clone() => (EmbeddingSettings)MemberwiseClone();

    /// <summary>The estimator options these settings give.</summary>
    public SentenceEmbeddingEstimator.Options Options() => Apply(new SentenceEmbeddingEstimator.Options());

    /// <summary>Sets the fixed options on <paramref name="o"/>.</summary>
    public SentenceEmbeddingEstimator.Options Apply(SentenceEmbeddingEstimator.Options o)
    {
        o.PretrainedModel = Model;
        o.MaxLength = MaxLength;
        o.BatchSize = BatchSize ?? SentenceEmbeddingEstimator.Defaults.BatchSize;
        o.Normalize = Normalize;
        o.Device = Device;
        return o;
    }

    /// <summary>A short description for leaderboards: the encoder's name (a folder's last part).</summary>
    public string Name => PretrainedArgument.Label(Model);

    public void Validate()
    {
        if (MaxLength is < 8 or > 512) throw new CliException($"--max-length must be between 8 and 512, not {MaxLength}.");
        if (BatchSize is < 1 or > 512) throw new CliException($"--batch-size must be between 1 and 512, not {BatchSize}.");
        if (!TorchDevice.Choices.Contains(Device.Split(':')[0])) throw new CliException($"--device must be one of {string.Join(", ", TorchDevice.Choices)} (or cuda:N), not '{Device}'.");
        if (string.IsNullOrWhiteSpace(Model)) throw new CliException("--pretrained must name an encoder.");
        PretrainedArgument.Validate(Model);
        if (MaxLength is { } m && Directory.Exists(Model))
        {
            int positions = SentenceEmbeddingEstimator.MaxPositions(Model);
            if (m > positions) throw new CliException($"--max-length {m} exceeds the encoder's max_position_embeddings {positions} (--pretrained '{Model}').");
        }
    }
}
