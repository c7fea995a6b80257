using MLNetLlm.Torch.Devices;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// The <c>--trainer bert</c> settings of a run: a BERT encoder fine-tuned (or trained from scratch) with MLNetLlm.Torch
/// instead of the n-gram featurizer and a linear trainer. Stored in run.json under <c>transformer</c>.
/// </summary>
internal sealed class TransformerSettings
{
    /// <summary>A catalogue name (all-MiniLM-L6-v2, arctic-embed-xs), a HF BERT checkpoint folder or a BERT .onnx file
    /// with vocab.txt beside it; null trains a small BERT from scratch.</summary>
    public string? Pretrained { get; set; }

    /// <summary>Passes over the training data; 1–50. Null: the trainer's default (3, more for small data when fine-tuning a pretrained encoder), or searched by an AutoML run.</summary>
    public int? Epochs { get; set; }

    /// <summary>Rows per batch; 1–512. Null: 16, or searched by an AutoML run.</summary>
    public int? BatchSize { get; set; }

    /// <summary>Tokens per row, longer texts are truncated; 8–512. Null: 128, or searched by an AutoML run.</summary>
    public int? MaxLength { get; set; }

    /// <summary>The batch size of a single run.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int BatchSizeOrDefault => BatchSize ?? 16;

    /// <summary>The max length of a single run.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int MaxLengthOrDefault => MaxLength ?? 128;

    /// <summary>Peak learning rate; null picks the trainer's default for the mode (or is searched by an AutoML run).</summary>
    public double? LearningRate { get; set; }

    /// <summary>auto (CUDA when available), cpu or cuda[:N]. Default auto.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>A copy of these settings.</summary>
    public TransformerSettings Clone() => (TransformerSettings)MemberwiseClone();

    public void Validate()
    {
        if (Epochs is < 1 or > 50) throw new CliException($"--epochs must be between 1 and 50, not {Epochs}.");
        if (BatchSize is < 1 or > 512) throw new CliException($"--batch-size must be between 1 and 512, not {BatchSize}.");
        if (MaxLength is < 8 or > 512) throw new CliException($"--max-length must be between 8 and 512, not {MaxLength}.");
        if (LearningRate is { } lr && !(lr > 0 && lr < 1)) throw new CliException($"--learning-rate must be between 0 and 1, not {lr}.");
        string device = Device.Split(':')[0];
        if (!TorchDevice.Choices.Contains(device)) throw new CliException($"--device must be one of {string.Join(", ", TorchDevice.Choices)} (or cuda:N), not '{Device}'.");
        if (Pretrained != null) PretrainedArgument.Validate(Pretrained);
    }
}
