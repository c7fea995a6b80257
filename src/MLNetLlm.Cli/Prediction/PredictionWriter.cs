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

    public static void WriteCsv(TextWriter w, ModelSignature s, IReadOnlyList<string?> ids, IReadOnlyList<Prediction> predictions, char separator = ',', int top = 10)
    {
        bool withId = ids.Any(id => id != null);
        bool safety = predictions.Any(p => p.Safety != null), explained = predictions.Any(p => p.Explanation != null);
        var header = Header(s, withId);
        if (safety) header.AddRange(["Decision", "FinalLabel", "Rule"]);
        if (explained) header.Add("Explanation");
        w.Write(string.Join(separator, header.Select(f => DelimitedFile.Quote(f, separator))) + "\n");
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
            if (safety) f.AddRange([p.Safety?.Decision ?? "", p.Safety?.FinalLabel ?? "", p.Safety?.Rule ?? ""]);
            if (explained)
                f.Add(p.Explanation is { } e ? string.Join("; ", e.Top(top).Select(x => $"{x.Name}={x.Weight.ToString("+0.######;-0.######;0", CultureInfo.InvariantCulture)}")) : "");
            w.Write(string.Join(separator, f.Select(x => DelimitedFile.Quote(x, separator))) + "\n");
        }
    }

    public static void WriteJsonLines(TextWriter w, IReadOnlyList<string?> ids, IReadOnlyList<Prediction> predictions, int top = 10)
    {
        for (int i = 0; i < predictions.Count; i++)
            w.Write(JsonSerializer.Serialize(ToJson(predictions[i], ids[i], top)) + "\n");
    }

    /// <summary>The JSON shape of one prediction (also what <c>serve</c> answers).</summary>
    /// <param name="p">The prediction.</param>
    /// <param name="id">The row's id, if any.</param>
    /// <param name="top">How many features of an explanation to give (largest absolute weight first).</param>
    public static Dictionary<string, object?> ToJson(Prediction p, string? id = null, int top = 10)
    {
        var d = new Dictionary<string, object?>();
        if (id != null) d["id"] = id;
        if (p.Label != null) d["predictedLabel"] = p.Label;
        if (p.Probability is { } prob) d["probability"] = Round(prob);
        d["score"] = Round(p.Score);
        if (p.Classes != null) d["classes"] = p.Classes.ToDictionary(kv => kv.Key, kv => Round(kv.Value));
        if (p.Safety is { } safety)
        {
            d["decision"] = safety.Decision;
            d["finalLabel"] = safety.FinalLabel.Length == 0 ? null : safety.FinalLabel;
            d["rule"] = safety.Rule.Length == 0 ? null : safety.Rule;
        }
        if (p.Explanation is { } e)
            d["explanation"] = new Dictionary<string, object?>
            {
                ["method"] = e.Method,
                ["target"] = e.Target,
                ["output"] = Round(e.Output),
                ["reference"] = Round(e.Reference),
                ["sum"] = Round(e.Features.Sum(f => f.Weight)),
                ["top"] = e.Top(top).Select(f => new Dictionary<string, object> { ["feature"] = f.Name, ["weight"] = Round(f.Weight) }).ToList(),
            };
        return d;
    }

    static double Round(float v) => float.IsFinite(v) ? Math.Round(v, 6) : 0;

    static double Round(double v) => double.IsFinite(v) ? Math.Round(v, 6) : 0;

    static string Num(float v) => v.ToString("0.######", CultureInfo.InvariantCulture);
}
