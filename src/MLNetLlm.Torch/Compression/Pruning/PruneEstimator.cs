using Microsoft.ML;
using MLNetLlm.Torch.Compression.Bert;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Models;

namespace MLNetLlm.Torch.Compression.Pruning;

/// <summary>
/// Prunes a copy of a fine-tuned text classifier: removes attention heads and FFN neurons (smaller matrices), then
/// zeroes the smallest weights along a cubic schedule while fine-tuning on the training data to recover accuracy.
/// </summary>
public sealed class PruneEstimator : CompressionEstimator<PruningOptions>
{
    internal PruneEstimator(MLContext mlContext, IEstimator<ITransformer>? baseEstimator, ITransformer? trained, PruningOptions options)
        : base(mlContext, baseEstimator, trained, options) => options.Validate();

    private protected override (BertForSequenceClassification Model, bool Owned) Compress(CompressionSource source, IDataView data)
    {
        var rows = Options.RecoveryEpochs > 0 ? source.ReadTraining(data, Options) : new Training.TrainingRows([], null, []);
        return (BertPruning.Run(source, rows, Options), true);
    }

    private protected override QuantizationOptions QuantizationFor(PruningOptions options) => WithMode(options, options.Quantization);
}
