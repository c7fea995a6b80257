using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Devices;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Torch.Trainers;

/// <summary>
/// The ML.NET side of a trained <see cref="TextModel"/>: checks the input schema, builds the output schema, scores a
/// data view lazily in batches and maps single rows for PredictionEngine. Shared by the public transformers.
/// </summary>
internal sealed class TextScorer
{
    public TextScorer(TextModel model, string textColumn, string? pairColumn, ScoreColumns outputs, int batchSize)
    {
        Model = model;
        TextColumn = textColumn;
        PairColumn = pairColumn;
        Outputs = outputs;
        BatchSize = batchSize;
    }

    public TextModel Model { get; }
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

    public DataViewSchema GetOutputSchema(DataViewSchema input)
    {
        TextIndices(input);
        var b = new DataViewSchema.Builder();
        b.AddColumns(input);
        Outputs.AddTo(b);
        return b.ToSchema();
    }

    public float[][] Score(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs) => Model.Predict(texts, pairs, BatchSize);

    public IDataView Transform(IDataView input) => new ScoringDataView(this, input);

    public IRowToRowMapper Mapper(DataViewSchema input) => new ScoringRowMapper(this, input);

    const string SettingsFile = "scorer.json", ModelFolder = "model";

    /// <summary>Writes the model (HF layout + extras) under <c>model/</c> and the column settings to <c>scorer.json</c>.</summary>
    public void Save(string directory, IReadOnlyList<string> labels)
    {
        Model.Save(Path.Combine(directory, ModelFolder));
        var o = new JsonObject
        {
            ["task"] = Model.Task.ToString(),
            ["text_column"] = TextColumn,
            ["pair_column"] = PairColumn,
            ["labels"] = new JsonArray(labels.Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()),
            ["batch_size"] = BatchSize,
        };
        File.WriteAllText(Path.Combine(directory, SettingsFile), o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Loads what <see cref="Save"/> wrote, on <paramref name="device"/> (auto: CUDA when available).</summary>
    public static (TextScorer Scorer, IReadOnlyList<string> Labels) Load(string directory, string device = "auto")
    {
        string path = Path.Combine(directory, SettingsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{directory}' has no {SettingsFile}.", path);
        var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var labels = o["labels"]!.AsArray().Select(l => l!.GetValue<string>()).ToArray();
        var model = TextModel.Load(Path.Combine(directory, ModelFolder), TorchDevice.Resolve(device));
        var outputs = model.Task switch
        {
            TextTask.Binary => ScoreColumns.Binary,
            TextTask.Multiclass => ScoreColumns.Multiclass(labels),
            _ => ScoreColumns.Regression,
        };
        return (new TextScorer(model, o["text_column"]!.GetValue<string>(), o["pair_column"]?.GetValue<string>(), outputs, o["batch_size"]!.GetValue<int>()), labels);
    }
}
