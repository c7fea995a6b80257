using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Persistence;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Torch.Embeddings;

/// <summary>
/// Adds a sentence-embedding column (float vector, the encoder's hidden size) computed from a text column: batched in
/// <see cref="Transform"/>, row by row in a PredictionEngine (thread-safe). Saved by <c>mlContext.Llm().Model.Save</c>
/// with the encoder's weights, so a loaded model needs neither the checkpoint folder nor the catalogue.
/// </summary>
public sealed class SentenceEmbeddingTransformer : IPersistentTransformer, IDisposable
{
    const string SettingsFile = "sentence-embedding.json", EncoderFolder = "encoder";
    readonly SentenceEncoder _encoder;
    readonly TextScorer _scorer;

    internal SentenceEmbeddingTransformer(SentenceEncoder encoder, string outputColumnName, string inputColumnName, int batchSize, string source)
    {
        _encoder = encoder;
        _scorer = new TextScorer(encoder, inputColumnName, null, new EmbeddingColumn(outputColumnName, encoder.Dimension), batchSize);
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        Source = source;
    }

    public string OutputColumnName { get; }
    public string InputColumnName { get; }
    /// <summary>Where the encoder came from (the folder or catalogue name it was fitted with).</summary>
    public string Source { get; }
    /// <summary>Length of every embedding (the encoder's hidden size).</summary>
    public int Dimension => _encoder.Dimension;
    /// <summary>Tokens per text including [CLS] and [SEP].</summary>
    public int MaxLength => _encoder.MaxLength;
    /// <summary>Whether embeddings are scaled to unit L2 norm.</summary>
    public bool Normalize => _encoder.Normalize;
    /// <summary>Texts per forward pass in <see cref="Transform"/>.</summary>
    public int BatchSize => _scorer.BatchSize;
    /// <summary>The encoder's configuration (HF config.json fields).</summary>
    public BertConfig Config => _encoder.Model.Config;

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _scorer.GetOutputSchema(inputSchema);

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _scorer.Mapper(inputSchema);

    public IDataView Transform(IDataView input) => _scorer.Transform(input);

    /// <summary>Embeddings of <paramref name="texts"/>, in order (batched like <see cref="Transform"/>).</summary>
    public float[][] Embed(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return _scorer.Score(texts, null);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException($"{nameof(SentenceEmbeddingTransformer)} is saved with mlContext.Llm().Model.Save(...), not mlContext.Model.Save.");

    /// <inheritdoc/>
    public void SaveTo(string directory)
    {
        _encoder.Save(Path.Combine(directory, EncoderFolder));
        var o = new JsonObject
        {
            ["output_column"] = OutputColumnName,
            ["input_column"] = InputColumnName,
            ["batch_size"] = BatchSize,
            ["max_length"] = MaxLength,
            ["normalize"] = Normalize,
            ["pooling"] = "mean",
            ["threads"] = _encoder.Threads,
            ["device"] = _encoder.Device.type == TorchSharp.DeviceType.CPU ? "cpu" : "auto",
            ["source"] = Source,
        };
        File.WriteAllText(Path.Combine(directory, SettingsFile), o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Loads a transformer written by <see cref="SaveTo"/> (called by the model file loader).</summary>
    public static ITransformer LoadFrom(MLContext mlContext, string directory)
    {
        string path = Path.Combine(directory, SettingsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{directory}' has no {SettingsFile}.", path);
        var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        T Get<T>(string key) => o[key] is { } v ? v.GetValue<T>() : throw new InvalidDataException($"'{path}' has no '{key}'.");
        if (Get<string>("pooling") != "mean") throw new InvalidDataException($"'{path}': pooling '{Get<string>("pooling")}' is not supported (mean).");
        var encoder = SentenceEncoder.Load(Path.Combine(directory, EncoderFolder), o["device"]?.GetValue<string>() ?? "auto",
            Get<int>("max_length"), Get<bool>("normalize"), o["threads"]?.GetValue<int?>());
        try
        {
            return new SentenceEmbeddingTransformer(encoder, Get<string>("output_column"), Get<string>("input_column"), Get<int>("batch_size"),
                o["source"]?.GetValue<string>() ?? "");
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    public void Dispose() => _encoder.Dispose();
}
