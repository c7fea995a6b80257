using MLNetLlm.Torch.Compression.Quantization;

namespace MLNetLlm.Torch.Compression.Onnx;

/// <summary>Options of <see cref="BertOnnxExporter"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>Arithmetic and storage of the Linear layers. Default <see cref="QuantizationMode.DynamicInt8"/>.</summary>
    public QuantizationMode Quantization { get; set; } = QuantizationMode.DynamicInt8;

    /// <summary>Size of one attention head (hidden size / number of heads of the original config). Required (> 0).</summary>
    public int AttentionHeadSize { get; set; }

    /// <summary>LayerNorm epsilon of the config. Default 1e-12 (BERT).</summary>
    public float LayerNormEpsilon { get; set; } = 1e-12f;

    /// <summary>
    /// Also store the word-embedding table int8 with one scale per token (only when <see cref="Quantization"/> is not None).
    /// The table is a fifth of BERT-base, so this is what takes the file from ~2.4× to ~4× smaller. Default true.
    /// </summary>
    public bool QuantizeEmbeddings { get; set; } = true;

    /// <summary>
    /// Quantize weights to ±63 instead of ±127. Needed on x86 CPUs without AVX-VNNI, where ONNX Runtime's u8×s8 kernel
    /// (AVX2 vpmaddubsw) adds pairs in saturating int16 arithmetic. Default true; set false on VNNI/ARM machines for one
    /// more bit of weight precision.
    /// </summary>
    public bool ReduceRange { get; set; } = true;
}
