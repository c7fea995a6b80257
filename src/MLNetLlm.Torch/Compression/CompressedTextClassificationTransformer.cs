using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Persistence;
using MLNetLlm.Torch.Compression.Onnx;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Torch.Compression;

/// <summary>
/// A compressed (quantized, pruned and/or distilled) BERT text classifier that runs on ONNX Runtime. Adds the same
/// columns as the fine-tuning trainer — binary: <c>Score</c>, <c>Probability</c>, <c>PredictedLabel</c>; multiclass:
/// <c>Score</c> (class probabilities) and <c>PredictedLabel</c> (key) — so evaluation and the rest of the pipeline are
/// unchanged. Saved by <c>mlContext.Llm().Model.Save</c> at its compressed size (the ONNX file holds int8 weights and
/// scales when quantized); <see cref="SaveOnnx"/> writes the bare ONNX model for <c>ApplyOnnxModel</c>.
/// </summary>
public sealed class CompressedTextClassificationTransformer : IPersistentTransformer, IDisposable
{
    private const string OnnxFile = "model.onnx";
    private const string SettingsFile = "compressed-model.json";
    private readonly OnnxTextPredictor _predictor;
    private readonly TextScorer _scorer;
    private readonly string _ownedDirectory;

    private CompressedTextClassificationTransformer(OnnxTextPredictor predictor, TextScorer scorer, string ownedDirectory, IReadOnlyList<string> labels,
        bool binary, QuantizationMode mode, BertForSequenceClassification? torchModel)
    {
        _predictor = predictor;
        _scorer = scorer;
        _ownedDirectory = ownedDirectory;
        Labels = labels;
        IsBinary = binary;
        Quantization = mode;
        TorchModel = torchModel;
    }

    /// <summary>Class names, index = class (binary: false, true).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>True for a two-class model with a Boolean label.</summary>
    public bool IsBinary { get; }

    /// <summary>How the Linear layers are stored and computed.</summary>
    public QuantizationMode Quantization { get; }

    /// <summary>Size of the ONNX model in bytes (what <see cref="SaveTo"/> stores, plus a small vocabulary).</summary>
    public long ModelBytes => new FileInfo(OnnxPath).Length;

    internal string OnnxPath => Path.Combine(_ownedDirectory, OnnxFile);

    /// <summary>The ONNX Runtime model with its tokenizer.</summary>
    internal OnnxTextPredictor Predictor => _predictor;

    /// <summary>Raw logits per text, in batches of <see cref="CompressionOptions.InferenceBatchSize"/>.</summary>
    internal float[][] Score(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs) => _scorer.Score(texts, pairs);

    /// <summary>The float32 (pruned / distilled) PyTorch-side model this was exported from; null after loading from disk.</summary>
    internal BertForSequenceClassification? TorchModel { get; }

    /// <summary>Exports <paramref name="model"/> and wraps the ONNX file in a transformer.</summary>
    internal static CompressedTextClassificationTransformer Create(BertForSequenceClassification model, BertTextTokenizer tokenizer, int maxLength,
        IReadOnlyList<string> labels, bool binary, CompressionOptions columns, QuantizationOptions quantization, bool keepTorchModel)
    {
        string dir = Directory.CreateTempSubdirectory("mlnetllm-compressed-").FullName;
        try
        {
            Bert.BertCompression.ExportOnnx(model, quantization, Path.Combine(dir, OnnxFile));
            var predictor = Open(dir, tokenizer, maxLength, labels, columns.Threads);
            var scorer = new TextScorer(predictor, columns.TextColumnName, columns.SecondTextColumnName, Outputs(binary, labels), columns.InferenceBatchSize);
            return new CompressedTextClassificationTransformer(predictor, scorer, dir, labels, binary, quantization.Mode, keepTorchModel ? model : null);
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    private static ScoreColumns Outputs(bool binary, IReadOnlyList<string> labels) => binary ? ScoreColumns.Binary : ScoreColumns.Multiclass(labels);

    private static OnnxTextPredictor Open(string dir, BertTextTokenizer tokenizer, int maxLength, IReadOnlyList<string> labels, int threads)
    {
        var session = OnnxSequenceClassifier.Open(Path.Combine(dir, OnnxFile), threads);
        if (session.LabelCount != labels.Count)
        {
            session.Dispose();
            throw new InvalidDataException($"The ONNX model has {session.LabelCount} outputs but {labels.Count} labels are recorded.");
        }
        return new OnnxTextPredictor(session, tokenizer, maxLength);
    }

    /// <summary>True: works in a <c>PredictionEngine</c> (one ONNX Runtime run per row).</summary>
    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _scorer.GetOutputSchema(inputSchema);

    /// <summary>Scores single rows (what <c>PredictionEngine</c> uses).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _scorer.Mapper(inputSchema);

    /// <summary>Scores the rows of <paramref name="input"/> lazily, in batches of <see cref="CompressionOptions.InferenceBatchSize"/>, as a cursor reaches them.</summary>
    public IDataView Transform(IDataView input) => _scorer.Transform(input);

    /// <summary>Writes the bare ONNX model (inputs <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>; outputs <c>logits</c>, <c>probabilities</c>).</summary>
    public void SaveOnnx(string path) => File.Copy(OnnxPath, path, overwrite: true);

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException($"{nameof(CompressedTextClassificationTransformer)} is saved with mlContext.Llm().Model.Save(...), not mlContext.Model.Save.");

    /// <inheritdoc/>
    public void SaveTo(string directory)
    {
        File.Copy(OnnxPath, Path.Combine(directory, OnnxFile));
        _predictor.Tokenizer.Save(directory);
        var settings = new JsonObject
        {
            ["labels"] = new JsonArray(Labels.Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()),
            ["binary"] = IsBinary,
            ["quantization"] = Quantization.ToString(),
            ["max_length"] = _predictor.MaxLength,
        };
        _scorer.WriteColumns(settings);
        File.WriteAllText(Path.Combine(directory, SettingsFile), settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Loads a transformer written by <see cref="SaveTo"/> (called by the model file loader).</summary>
    public static ITransformer LoadFrom(MLContext mlContext, string directory)
    {
        string settingsPath = Path.Combine(directory, SettingsFile);
        if (!File.Exists(settingsPath)) throw new FileNotFoundException($"'{directory}' has no {SettingsFile}.", settingsPath);
        JsonObject s;
        try { s = JsonNode.Parse(File.ReadAllText(settingsPath))!.AsObject(); }
        catch (JsonException e) { throw new InvalidDataException($"'{settingsPath}' is not valid JSON: {e.Message}", e); }
        string Str(string key) => s[key]?.GetValue<string>() ?? throw new InvalidDataException($"'{settingsPath}' has no '{key}'.");
        var labels = (s["labels"] as JsonArray ?? throw new InvalidDataException($"'{settingsPath}' has no 'labels'.")).Select(n => n!.GetValue<string>()).ToArray();
        bool binary = s["binary"]?.GetValue<bool>() ?? throw new InvalidDataException($"'{settingsPath}' has no 'binary'.");
        var mode = Enum.Parse<QuantizationMode>(Str("quantization"));
        int maxLength = s["max_length"]?.GetValue<int>() ?? throw new InvalidDataException($"'{settingsPath}' has no 'max_length'.");
        var tokenizer = BertTextTokenizer.FromDirectory(directory);
        string owned = Directory.CreateTempSubdirectory("mlnetllm-compressed-").FullName;
        try
        {
            File.Copy(Path.Combine(directory, OnnxFile), Path.Combine(owned, OnnxFile));
            var predictor = Open(owned, tokenizer, maxLength, labels, 0);
            try
            {
                var scorer = TextScorer.ReadColumns(s, settingsPath, predictor, Outputs(binary, labels));
                return new CompressedTextClassificationTransformer(predictor, scorer, owned, labels, binary, mode, null);
            }
            catch
            {
                predictor.Dispose();
                throw;
            }
        }
        catch
        {
            Directory.Delete(owned, recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        _predictor.Dispose();
        TorchModel?.Dispose();
        try { Directory.Delete(_ownedDirectory, recursive: true); }
        catch (IOException) { /* a temp folder left behind is harmless */ }
    }
}
