using Microsoft.ML;
using MLNetLlm.Torch.Compression.Bert;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Models;

namespace MLNetLlm.Torch.Compression.Distillation;

/// <summary>
/// Knowledge distillation: trains a smaller BERT student (fewer layers, optionally narrower) on the training data to
/// match the fine-tuned teacher's softened outputs and the labels; the student starts from the teacher's embeddings
/// and evenly spaced layers when the widths match.
/// </summary>
public sealed class DistillEstimator : CompressionEstimator<DistillationOptions>
{
    internal DistillEstimator(MLContext mlContext, IEstimator<ITransformer>? baseEstimator, ITransformer? trained, DistillationOptions options)
        : base(mlContext, baseEstimator, trained, options) => options.Validate();

    private protected override (BertForSequenceClassification Model, bool Owned) Compress(CompressionSource source, IDataView data) =>
        (BertDistillation.Run(source, source.ReadTraining(data, Options), Options), true);

    private protected override QuantizationOptions QuantizationFor(DistillationOptions options) => WithMode(options, options.Quantization);
}
