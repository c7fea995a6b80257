using System.Text.Json;
using MLNetLlm.Persistence;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// What a trained model expects and predicts: the task, the text columns it reads, the label column it was trained on
/// and the label's values. Saved in the model file's metadata so <c>evaluate</c>, <c>predict</c> and <c>serve</c> need
/// only the model file.
/// </summary>
internal sealed class ModelSignature
{
    /// <summary>The internal name of the label column in every data view the CLI builds.</summary>
    public const string LabelColumnName = "Label";

    /// <summary>The most text columns one model can read (the prediction engine's input has this many slots).</summary>
    public const int MaxTextColumns = 8;

    public required TaskKind Task { get; init; }

    /// <summary>The label column's name in the data files.</summary>
    public required string LabelColumn { get; init; }

    /// <summary>The text columns the model reads, in order.</summary>
    public required IReadOnlyList<string> TextColumns { get; init; }

    /// <summary>Binary: the label value that means "positive" (e.g. spam); null when the label holds booleans.</summary>
    public string? PositiveLabel { get; init; }

    /// <summary>Binary: the other label value (e.g. ham); null when the label holds booleans.</summary>
    public string? NegativeLabel { get; init; }

    /// <summary>Multiclass: the class names in key order (the order of the score vector). Binary: negative, positive.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];

    public Dictionary<string, string> ToMetadata()
    {
        var m = new Dictionary<string, string>
        {
            ["task"] = Task.ToString().ToLowerInvariant(),
            ["labelColumn"] = LabelColumn,
            ["textColumns"] = JsonSerializer.Serialize(TextColumns),
            ["classes"] = JsonSerializer.Serialize(Classes),
        };
        if (PositiveLabel != null) m["positiveLabel"] = PositiveLabel;
        if (NegativeLabel != null) m["negativeLabel"] = NegativeLabel;
        return m;
    }

    public static ModelSignature FromMetadata(IReadOnlyDictionary<string, string> m, string modelPath)
    {
        string Get(string key) => m.TryGetValue(key, out var v)
            ? v
            : throw new ModelFileException($"'{modelPath}' was not written by mlnet-llm train: its metadata has no '{key}'.");
        if (!Enum.TryParse<TaskKind>(Get("task"), ignoreCase: true, out var task))
            throw new ModelFileException($"'{modelPath}': unknown task '{Get("task")}' in the model metadata.");
        try
        {
            return new ModelSignature
            {
                Task = task,
                LabelColumn = Get("labelColumn"),
                TextColumns = JsonSerializer.Deserialize<string[]>(Get("textColumns")) ?? [],
                Classes = JsonSerializer.Deserialize<string[]>(Get("classes")) ?? [],
                PositiveLabel = m.GetValueOrDefault("positiveLabel"),
                NegativeLabel = m.GetValueOrDefault("negativeLabel"),
            };
        }
        catch (JsonException ex)
        {
            throw new ModelFileException($"'{modelPath}': the model metadata is damaged ({ex.Message}).", ex);
        }
    }
}
