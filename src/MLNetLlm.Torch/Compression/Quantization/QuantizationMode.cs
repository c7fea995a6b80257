namespace MLNetLlm.Torch.Compression.Quantization;

/// <summary>How the Linear layers (and word embeddings) of a compressed model are stored and computed.</summary>
public enum QuantizationMode
{
    /// <summary>Float32 weights and arithmetic (the reference).</summary>
    None = 0,

    /// <summary>
    /// Post-training dynamic int8: weights int8 with one symmetric scale per output channel, activations quantized to
    /// uint8 per call with a scale and zero point computed from their range, int32 accumulation, float dequantization.
    /// </summary>
    DynamicInt8 = 1,

    /// <summary>Weights stored int8 (per-output-channel symmetric scales) and dequantized once at load; float32 arithmetic.
    /// Smaller on disk, same speed as <see cref="None"/>.</summary>
    WeightOnlyInt8 = 2,
}
