using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Trainers;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Bert;

/// <summary>What a compression step needs from the model it compresses: the PyTorch-side model, its tokenizer and task.</summary>
internal sealed record CompressionSource(BertForSequenceClassification Model, BertTextTokenizer Tokenizer, int MaxLength,
    IReadOnlyList<string> Labels, bool Binary, Device Device)
{
    /// <summary>Finds the text classifier in <paramref name="fitted"/> (a chain's last classifier counts).</summary>
    public static CompressionSource From(ITransformer fitted)
    {
        ArgumentNullException.ThrowIfNull(fitted);
        switch (fitted)
        {
            case TextClassificationTransformer t:
                return new CompressionSource(t.Model.Model, t.Model.Tokenizer, t.Model.MaxLength, t.Labels, t.IsBinary, t.Model.Device);
            case CompressedTextClassificationTransformer c when c.TorchModel is not null:
                return new CompressionSource(c.TorchModel, c.Predictor.Tokenizer, c.Predictor.MaxLength, c.Labels, c.IsBinary, CPU);
            case CompressedTextClassificationTransformer:
                throw new ArgumentException("A compressed model loaded from disk has no float32 weights left to compress further; chain the steps before saving.");
            case IEnumerable<ITransformer> chain:
                var last = chain.LastOrDefault(t => t is TextClassificationTransformer or CompressedTextClassificationTransformer)
                    ?? throw new ArgumentException("The model contains no text classification transformer to compress.");
                return From(last);
            default:
                throw new ArgumentException($"Cannot compress a {fitted.GetType().Name}: expected a TextClassificationTransformer (from the text classification trainer) or a compressed one.");
        }
    }

    /// <summary>Reads the texts and class indices the steps that train need (Boolean label → 0/1, key label → index).</summary>
    public Training.TrainingRows ReadTraining(IDataView data, CompressionOptions columns) =>
        TrainerCore.Read(data, columns.TextColumnName, columns.SecondTextColumnName, columns.LabelColumnName,
            Binary ? Training.TextTask.Binary : Training.TextTask.Multiclass);

    /// <summary>The output columns the compressed model adds (same as the trainer's).</summary>
    public SchemaShape OutputShape(SchemaShape input, CompressionOptions columns)
    {
        var text = columns.SecondTextColumnName is null ? new[] { columns.TextColumnName } : [columns.TextColumnName, columns.SecondTextColumnName];
        return TextScorer.OutputShape(input, text, Binary ? ScoreColumns.Binary : ScoreColumns.Multiclass(Labels));
    }
}
