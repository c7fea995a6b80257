using MLNetLlm.SearchSpaces;
using MLNetLlm.Torch.Compression.Quantization;

namespace MLNetLlm.Torch.Compression.Pruning;

/// <summary>
/// Options of the pruning step (<c>mlContext.Llm().Prune</c>): unstructured magnitude pruning to <see cref="Sparsity"/>
/// along a cubic schedule during <see cref="RecoveryEpochs"/> of fine-tuning, and/or structured removal of attention
/// heads and FFN neurons (applied first, so the recovery fine-tuning repairs both).
/// </summary>
public sealed class PruningOptions : CompressionOptions
{
    /// <summary>
    /// How the compressed model is stored and run: default <see cref="QuantizationMode.None"/> (float32 ONNX);
    /// <see cref="QuantizationMode.DynamicInt8"/> combines this step with int8 quantization.
    /// </summary>
    [Choice(QuantizationMode.None, QuantizationMode.DynamicInt8)]
    public QuantizationMode Quantization { get; set; } = QuantizationMode.None;

    /// <summary>Fraction of encoder Linear weights set to zero. Default 0.5; range 0–0.9 (0 = no unstructured pruning).</summary>
    [Range(0.0, 0.9)]
    public double Sparsity { get; set; } = 0.5;

    /// <summary>Rank weights over all layers (default) or per layer.</summary>
    [Choice(PruningScope.Global, PruningScope.PerLayer)]
    public PruningScope Scope { get; set; } = PruningScope.Global;

    /// <summary>Fraction of attention heads removed in every layer (matrices shrink). Default 0; range 0–0.75.</summary>
    [Range(0.0, 0.75)]
    public double HeadFraction { get; set; }

    /// <summary>Fraction of FFN neurons removed in every layer (matrices shrink). Default 0; range 0–0.75.</summary>
    [Range(0.0, 0.75)]
    public double FeedForwardFraction { get; set; }

    /// <summary>
    /// Epochs of fine-tuning after structured pruning and during gradual unstructured pruning (the schedule reaches the
    /// target after two thirds of the steps; the rest recovers). 0 prunes in one shot without training. Default 1; range 0–5.
    /// </summary>
    [Range(0, 5)]
    public int RecoveryEpochs { get; set; } = 1;

    /// <summary>Steps between mask updates of the gradual schedule. Default 10; range 1–1000.</summary>
    public int PruningFrequency { get; set; } = 10;

    /// <summary>Peak learning rate of the recovery fine-tuning. Default 5e-5; range 1e-6–1e-3, log scale.</summary>
    public double LearningRate { get; set; } = 5e-5;

    /// <summary>Rows per batch while fine-tuning. Default 16; range 1–256.</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Seed for shuffling and dropout. Default 42.</summary>
    public int Seed { get; set; } = 42;


    internal void Validate()
    {
        ValidateCommon();
        if (!Enum.IsDefined(Quantization)) throw new ArgumentOutOfRangeException(nameof(Quantization), Quantization, "Unknown quantization mode.");
        static void Fraction(double v, double max, string name)
        {
            if (double.IsNaN(v) || v < 0 || v > max) throw new ArgumentOutOfRangeException(name, v, $"{name} must be in [0, {max}].");
        }
        Fraction(Sparsity, 0.99, nameof(Sparsity));
        Fraction(HeadFraction, 0.99, nameof(HeadFraction));
        Fraction(FeedForwardFraction, 0.99, nameof(FeedForwardFraction));
        if (RecoveryEpochs < 0) throw new ArgumentOutOfRangeException(nameof(RecoveryEpochs), RecoveryEpochs, "Must be ≥ 0.");
        if (PruningFrequency < 1) throw new ArgumentOutOfRangeException(nameof(PruningFrequency), PruningFrequency, "Must be ≥ 1.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be > 0.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Must be ≥ 1.");
    }
}
