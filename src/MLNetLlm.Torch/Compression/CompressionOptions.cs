namespace MLNetLlm.Torch.Compression;

/// <summary>Settings every compression step shares: the columns it reads and how the compressed model scores.</summary>
public abstract class CompressionOptions
{
    /// <summary>Text column. Default <c>Text</c>.</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>Optional second text column (sentence pairs). Default null.</summary>
    public string? SecondTextColumnName { get; set; }

    /// <summary>Label column (Boolean or key), read by the steps that train (pruning, distillation). Default <c>Label</c>.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Rows per ONNX Runtime call when scoring a data view. Default 32; range 1–1024.</summary>
    public int InferenceBatchSize { get; set; } = 32;

    /// <summary>ONNX Runtime intra-op threads for inference; 0 (default) = one per core.</summary>
    public int Threads { get; set; }

    /// <summary>Training device for the steps that train: <c>auto</c> (default), <c>cpu</c>, <c>cuda[:N]</c>.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>
    /// Receives progress of the steps that train (pruning's recovery fine-tuning, the student's training) after every
    /// optimizer step and at each epoch end. Default null.
    /// </summary>
    public IProgress<Training.TrainingProgress>? Progress { get; set; }

    internal void ValidateCommon()
    {
        if (string.IsNullOrWhiteSpace(TextColumnName)) throw new ArgumentException("TextColumnName must be set.");
        if (InferenceBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(InferenceBatchSize), InferenceBatchSize, "Must be ≥ 1.");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Must be ≥ 0 (0 = one per core).");
    }
}
