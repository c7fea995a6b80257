using System.Globalization;
using System.Text.Json;
using MLNetLlm.Cli.Training;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Prediction;

/// <summary>Writes predictions as CSV (a header, one row per prediction) or as JSON lines.</summary>
internal static class PredictionWriter
{
    /// <summary>The CSV header for a model: [Id], PredictedLabel, Probability, Score, and P(class) per class for multiclass.</summary>
    public static List<string> Header(ModelSignature s, bool withId)
    {
        var h = new List<string>();
        if (withId) h.Add("Id");
        switch (s.Task)
        {
            case TaskKind.Binary: h.AddRange(["PredictedLabel", "Probability", "Score"]); break;
            case TaskKind.Multiclass: h.AddRange(["PredictedLabel", "Probability"]); h.AddRange(s.Classes.Select(c => $"P({c})")); break;
            default: h.Add("Score"); break;
        }
        return h;
    }

    public static void WriteCsv(TextWriter w, ModelSignature s, IReadOnlyList<string?> ids, IReadOnlyList<Prediction> predictions, char separator = ',')
    {
        bool withId = ids.Any(id => id != null);
        w.Write(string.Join(separator, Header(s, withId).Select(f => DelimitedFile.Quote(f, separator))) + "\n");
        for (int i = 0; i < predictions.Count; i++)
        {
            var p = predictions[i];
            var f = new List<string>();
            if (withId) f.Add(ids[i] ?? "");
            switch (s.Task)
            {
                case TaskKind.Binary: f.AddRange([p.Label!, Num(p.Probability!.Value), Num(p.Score)]); break;
                case TaskKind.Multiclass:
                    f.AddRange([p.Label!, Num(p.Probability!.Value)]);
                    f.AddRange(s.Classes.Select(c => Num(p.Classes!.GetValueOrDefault(c))));
                    break;
                default: f.Add(Num(p.Score)); break;
            }
            w.Write(string.Join(separator, f.Select(x => DelimitedFile.Quote(x, separator))) + "\n");
        }
    }

    public static void WriteJsonLines(TextWriter w, IReadOnlyList<string?> ids, IReadOnlyList<Prediction> predictions)
    {
        for (int i = 0; i < predictions.Count; i++)
            w.Write(JsonSerializer.Serialize(ToJson(predictions[i], ids[i])) + "\n");
    }

    /// <summary>The JSON shape of one prediction (also what <c>serve</c> answers).</summary>
    public static Dictionary<string, object?> ToJson(Prediction p, string? id = null)
    {
        var d = new Dictionary<string, object?>();
        if (id != null) d["id"] = id;
        if (p.Label != null) d["predictedLabel"] = p.Label;
        if (p.Probability is { } prob) d["probability"] = Round(prob);
        d["score"] = Round(p.Score);
        if (p.Classes != null) d["classes"] = p.Classes.ToDictionary(kv => kv.Key, kv => Round(kv.Value));
        return d;
    }

    static double Round(float v) => float.IsFinite(v) ? Math.Round(v, 6) : 0;

    static string Num(float v) => v.ToString("0.######", CultureInfo.InvariantCulture);
}
