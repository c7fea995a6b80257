using MLNetLlm.SearchSpaces;

namespace MLNetLlm.Torch.Compression.Quantization;

/// <summary>Options of the quantization step (<c>mlContext.Llm().Quantize</c>) and of <see cref="Onnx.BertOnnxExporter"/>.</summary>
public sealed class QuantizationOptions : CompressionOptions
{
    /// <summary>Arithmetic and storage of the Linear layers. Default <see cref="QuantizationMode.DynamicInt8"/>; sweep over all three.</summary>
    [Choice(QuantizationMode.None, QuantizationMode.DynamicInt8, QuantizationMode.WeightOnlyInt8)]
    public QuantizationMode Mode { get; set; } = QuantizationMode.DynamicInt8;

    /// <summary>
    /// Also store the word-embedding table int8 with one scale per token (when <see cref="Mode"/> is not None). The table
    /// is about a fifth of BERT-base, so this takes the file from ~2.4× to ~3.9× smaller. Default true.
    /// </summary>
    public bool QuantizeEmbeddings { get; set; } = true;

    /// <summary>
    /// Quantize weights to ±63 instead of ±127. Needed on x86 CPUs without AVX-VNNI, where ONNX Runtime's u8×s8 kernel
    /// (AVX2 vpmaddubsw) adds pairs of products in saturating int16 arithmetic. Default true; false gives one more bit
    /// of weight precision on VNNI and ARM machines.
    /// </summary>
    public bool ReduceRange { get; set; } = true;

    /// <summary>
    /// Write attention and int8 Linear layers with ONNX Runtime's contrib operators (domain <c>com.microsoft</c>): one
    /// <c>QAttention</c> (int8) / <c>Attention</c> (float) node per layer with Q, K and V packed into one weight (one
    /// activation quantization, one GEMM batch, no Reshape/Transpose copies), and <c>DynamicQuantizeMatMul</c> with bias
    /// for the other int8 Linear layers. Same arithmetic as the standard form; ONNX Runtime (and so ML.NET's
    /// <c>ApplyOnnxModel</c>) runs these operators on the CPU. Default true; false writes standard ONNX operators only
    /// (opset 17) for other ONNX runtimes.
    /// </summary>
    public bool UseContribOperators { get; set; } = true;


    internal void Validate()
    {
        if (!Enum.IsDefined(Mode)) throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Unknown quantization mode.");
        ValidateCommon();
    }
}
