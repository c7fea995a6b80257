using Microsoft.ML;
using MLNetLlm.Torch.Compression.Bert;
using MLNetLlm.Torch.Models;

namespace MLNetLlm.Torch.Compression.Quantization;

/// <summary>
/// Post-training quantization of a fine-tuned text classifier: dynamic int8 (int8 weights with per-output-channel
/// scales, activations quantized per call) or weight-only int8, run by ONNX Runtime. Needs no training data.
/// </summary>
public sealed class QuantizeEstimator : CompressionEstimator<QuantizationOptions>
{
    internal QuantizeEstimator(MLContext mlContext, IEstimator<ITransformer>? baseEstimator, ITransformer? trained, QuantizationOptions options)
        : base(mlContext, baseEstimator, trained, options) => options.Validate();

    private protected override (BertForSequenceClassification Model, bool Owned) Compress(CompressionSource source, IDataView data) =>
        (source.Model, false);

    private protected override QuantizationOptions QuantizationFor(QuantizationOptions options) => options;
}
