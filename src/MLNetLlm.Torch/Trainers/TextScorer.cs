using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Mapping;
using MLNetLlm.Torch.Devices;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Torch.Trainers;

/// <summary>
/// The ML.NET side of a text model (any <see cref="ITextPredictor"/>): checks the input schema, builds the output
/// schema and shape, scores a data view lazily in batches and maps single rows for PredictionEngine. Shared by the
/// fine-tuned and the compressed transformers.
/// </summary>
internal sealed class TextScorer
{
    public TextScorer(ITextPredictor predictor, string textColumn, string? pairColumn, ScoreColumns outputs, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Predictor = predictor;
        TextColumn = textColumn;
        PairColumn = pairColumn;
        Outputs = outputs;
        BatchSize = batchSize;
    }

    public ITextPredictor Predictor { get; }
    public string TextColumn { get; }
    public string? PairColumn { get; }
    public ScoreColumns Outputs { get; }
    public int BatchSize { get; }

    public IEnumerable<string> TextColumns => PairColumn is null ? [TextColumn] : [TextColumn, PairColumn];

    /// <summary>The text columns' indices in <paramref name="input"/>; throws naming a missing or non-text column.</summary>
    public int[] TextIndices(DataViewSchema input) => TextColumns.Select(name =>
    {
        var col = input.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(input), $"Input column '{name}' not found.");
        if (col.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(input), $"Column '{name}' must be text (string), not {col.Type}.");
        return col.Index;
    }).ToArray();

    public DataViewSchema GetOutputSchema(DataViewSchema input) => Mapper(input).OutputSchema;

    /// <summary>Raw head outputs per text, in batches of <see cref="BatchSize"/>.</summary>
    public float[][] Score(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs) => Predictor.Predict(texts, pairs, BatchSize);

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Mapper(input.Schema).Transform(input);
    }

    public ScoringRowMapper Mapper(DataViewSchema input) => new(this, input);

    /// <summary>The estimator's output shape: the input columns plus <paramref name="outputs"/>, after checking the text columns.</summary>
    public static SchemaShape OutputShape(SchemaShape input, IEnumerable<string> requiredText, ScoreColumns outputs)
    {
        foreach (var name in requiredText)
        {
            var col = SchemaShapes.Find(input, name) ?? throw new ArgumentOutOfRangeException(nameof(input), $"Input column '{name}' not found.");
            if (col.Kind != SchemaShape.Column.VectorKind.Scalar || col.ItemType is not TextDataViewType)
                throw new ArgumentOutOfRangeException(nameof(input), $"Column '{name}' must be a text scalar.");
        }
        return SchemaShapes.Append(input, outputs.Schema);
    }

    /// <summary>Adds the column settings (text/pair column, batch size) to a settings object.</summary>
    public void WriteColumns(JsonObject settings)
    {
        settings["text_column"] = TextColumn;
        settings["pair_column"] = PairColumn;
        settings["batch_size"] = BatchSize;
    }

    /// <summary>A scorer for <paramref name="predictor"/> with the column settings <see cref="WriteColumns"/> stored in <paramref name="settings"/> (read from <paramref name="path"/>).</summary>
    public static TextScorer ReadColumns(JsonObject settings, string path, ITextPredictor predictor, ScoreColumns outputs) =>
        new(predictor, settings["text_column"]?.GetValue<string>() ?? throw new InvalidDataException($"'{path}' has no 'text_column'."),
            settings["pair_column"]?.GetValue<string>(), outputs, settings["batch_size"]?.GetValue<int>() ?? 32);

    const string SettingsFile = "scorer.json", ModelFolder = "model";

    /// <summary>Writes <paramref name="model"/> (HF layout + extras) under <c>model/</c> and the column settings to <c>scorer.json</c>.</summary>
    public static void Save(string directory, TextModel model, TextScorer scorer, IReadOnlyList<string> labels)
    {
        model.Save(Path.Combine(directory, ModelFolder));
        var o = new JsonObject
        {
            ["task"] = model.Task.ToString(),
            ["labels"] = new JsonArray(labels.Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()),
        };
        scorer.WriteColumns(o);
        File.WriteAllText(Path.Combine(directory, SettingsFile), o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Loads what <see cref="Save"/> wrote, on <paramref name="device"/> (auto: CUDA when available).</summary>
    public static (TextModel Model, TextScorer Scorer, IReadOnlyList<string> Labels) Load(string directory, string device = "auto")
    {
        string path = Path.Combine(directory, SettingsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{directory}' has no {SettingsFile}.", path);
        var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var labels = o["labels"]!.AsArray().Select(l => l!.GetValue<string>()).ToArray();
        var model = TextModel.Load(Path.Combine(directory, ModelFolder), TorchDevice.Resolve(device));
        try
        {
            var outputs = model.Task switch
            {
                TextTask.Binary => ScoreColumns.Binary,
                TextTask.Multiclass => ScoreColumns.Multiclass(labels),
                _ => ScoreColumns.Regression,
            };
            return (model, ReadColumns(o, path, model, outputs), labels);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
