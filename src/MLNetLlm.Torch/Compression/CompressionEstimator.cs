using Microsoft.ML;
using MLNetLlm.Torch.Compression.Bert;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Models;

namespace MLNetLlm.Torch.Compression;

/// <summary>
/// The shape shared by the compression estimators: compress the text classifier that <c>baseEstimator.Fit</c> (or an
/// already trained model) produces and return a <see cref="CompressedTextClassificationTransformer"/>. The base model
/// is never modified.
/// </summary>
public abstract class CompressionEstimator<TOptions> : IEstimator<CompressedTextClassificationTransformer>
    where TOptions : CompressionOptions
{
    private readonly IEstimator<ITransformer>? _baseEstimator;
    private readonly ITransformer? _trained;

    private protected CompressionEstimator(MLContext mlContext, IEstimator<ITransformer>? baseEstimator, ITransformer? trained, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        if ((baseEstimator is null) == (trained is null)) throw new ArgumentException("Give exactly one of a base estimator or a trained model.");
        _baseEstimator = baseEstimator;
        _trained = trained;
        Options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>The step's settings.</summary>
    public TOptions Options { get; }

    /// <summary>Fits the base estimator on <paramref name="input"/> (unless a trained model was given) and compresses it.</summary>
    public CompressedTextClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var trained = _trained ?? _baseEstimator!.Fit(input);
        var source = CompressionSource.From(trained);
        try
        {
            var (model, owned) = Compress(source, input);
            try
            {
                return CompressedTextClassificationTransformer.Create(model, source.Tokenizer, source.MaxLength, source.Labels, source.Binary, Options,
                    QuantizationFor(Options), keepTorchModel: owned);
            }
            catch
            {
                if (owned) model.Dispose();
                throw;
            }
        }
        finally
        {
            // A base model fitted here is an intermediate: its weights now live in the compressed copy (or ONNX file).
            if (_trained is null && trained is IDisposable disposable) disposable.Dispose();
        }
    }

    /// <summary>The input columns plus the classifier's score columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        _baseEstimator?.GetOutputSchema(inputSchema) ?? CompressionSource.From(_trained!).OutputShape(inputSchema, Options);

    /// <summary>Returns the model to export and whether it is a new one owned by the result.</summary>
    private protected abstract (BertForSequenceClassification Model, bool Owned) Compress(CompressionSource source, IDataView data);

    private protected abstract QuantizationOptions QuantizationFor(TOptions options);

    private protected static QuantizationOptions WithMode(CompressionOptions columns, QuantizationMode mode) => new()
    {
        Mode = mode,
        TextColumnName = columns.TextColumnName,
        SecondTextColumnName = columns.SecondTextColumnName,
        LabelColumnName = columns.LabelColumnName,
        InferenceBatchSize = columns.InferenceBatchSize,
        Threads = columns.Threads,
    };
}
