using MLNetLlm.SearchSpaces;
using MLNetLlm.Torch.Compression.Quantization;

namespace MLNetLlm.Torch.Compression.Distillation;

/// <summary>
/// Options of the distillation step (<c>mlContext.Llm().Distill</c>): a smaller BERT student learns from the fine-tuned
/// teacher's softened outputs and the labels, starting from the teacher's embeddings and every k-th layer when the
/// widths match.
/// </summary>
public sealed class DistillationOptions : CompressionOptions
{
    /// <summary>
    /// How the compressed model is stored and run: default <see cref="QuantizationMode.None"/> (float32 ONNX);
    /// <see cref="QuantizationMode.DynamicInt8"/> combines this step with int8 quantization.
    /// </summary>
    [Choice(QuantizationMode.None, QuantizationMode.DynamicInt8)]
    public QuantizationMode Quantization { get; set; } = QuantizationMode.None;

    /// <summary>
    /// Student encoder layers. Default null = half the teacher's (at least 1); range 1–12, values above the teacher's
    /// layer count are capped at it (so one sweep range serves any teacher).
    /// </summary>
    [Range(1, 12)]
    public int? StudentLayers { get; set; }

    /// <summary>Student hidden width. Default null = the teacher's (then layers are initialised from the teacher).</summary>
    public int? StudentHiddenSize { get; set; }

    /// <summary>Student attention heads. Default null = keep the teacher's head size (width / teacher head size).</summary>
    public int? StudentAttentionHeads { get; set; }

    /// <summary>Student FFN width. Default null = 4 × student hidden (the teacher's when the hidden width is the same).</summary>
    public int? StudentIntermediateSize { get; set; }

    /// <summary>Softening temperature T. Default 2; range 1–10.</summary>
    [Range(1.0, 10.0)]
    public double Temperature { get; set; } = 2;

    /// <summary>Weight α of the soft-target KL term; 1 − α weighs the hard-label cross-entropy. Default 0.5; range 0–1.</summary>
    [Range(0.0, 1.0)]
    public double Alpha { get; set; } = 0.5;

    /// <summary>Weight of the hidden-state MSE (student layer i vs its mapped teacher layer, projected when widths differ). Default 0; range 0–1.</summary>
    [Range(0.0, 1.0)]
    public double HiddenStateWeight { get; set; }

    /// <summary>Training epochs of the student. Default 3; range 1–20.</summary>
    public int NumberOfEpochs { get; set; } = 3;

    /// <summary>Peak learning rate (AdamW, linear warm-up 10% then decay). Default 1e-4; range 1e-6–1e-2, log scale.</summary>
    [Range(1e-5, 1e-3, logBase: true)]
    public double LearningRate { get; set; } = 1e-4;

    /// <summary>Rows per batch. Default 16; range 1–256.</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Seed for the student's initialisation, shuffling and dropout. Default 42.</summary>
    public int Seed { get; set; } = 42;


    internal void Validate()
    {
        ValidateCommon();
        if (!Enum.IsDefined(Quantization)) throw new ArgumentOutOfRangeException(nameof(Quantization), Quantization, "Unknown quantization mode.");
        if (StudentLayers is < 1) throw new ArgumentOutOfRangeException(nameof(StudentLayers), StudentLayers, "Must be ≥ 1.");
        if (StudentHiddenSize is < 1) throw new ArgumentOutOfRangeException(nameof(StudentHiddenSize), StudentHiddenSize, "Must be ≥ 1.");
        if (StudentAttentionHeads is < 1) throw new ArgumentOutOfRangeException(nameof(StudentAttentionHeads), StudentAttentionHeads, "Must be ≥ 1.");
        if (StudentIntermediateSize is < 1) throw new ArgumentOutOfRangeException(nameof(StudentIntermediateSize), StudentIntermediateSize, "Must be ≥ 1.");
        _ = new DistillationLoss(Temperature, Alpha, HiddenStateWeight); // validates the loss settings
        if (NumberOfEpochs < 1) throw new ArgumentOutOfRangeException(nameof(NumberOfEpochs), NumberOfEpochs, "Must be ≥ 1.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be > 0.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Must be ≥ 1.");
    }
}
