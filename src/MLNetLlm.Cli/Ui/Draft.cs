using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using MLNetLlm.Cli.Commands;
using MLNetLlm.Cli.Training;
using MLNetLlm.Data.Cleaning;

namespace MLNetLlm.Cli.Ui;

/// <summary>
/// The wizard's choices so far, carried from page to page in the URL (so every step is a link that can be reloaded or
/// bookmarked) and turned into the CLI's <see cref="RunConfig"/> when training starts.
/// </summary>
internal sealed class Draft
{
    /// <summary>binary, multiclass or regression (sentence-pair regression: two text columns).</summary>
    public string Task { get; set; } = "binary";
    public string? Dataset { get; set; }
    public string? Label { get; set; }
    public List<string> Text { get; set; } = [];
    public string? Positive { get; set; }
    /// <summary>NormalizeText in the model (default on).</summary>
    public bool Normalize { get; set; } = true;
    public bool StripHeaders { get; set; }
    public List<string> Mask { get; set; } = [];
    /// <summary>Drop empty rows and exact/near duplicates before training (the <c>clean</c> command's steps).</summary>
    public bool Dedup { get; set; }
    /// <summary>auto (AutoML searches it when the label is imbalanced), none, oversample, undersample or smote.</summary>
    public string Balance { get; set; } = "auto";

    public static readonly string[] Tasks = ["binary", "multiclass", "regression"];
    public static readonly string[] Balances = ["auto", "none", "oversample", "undersample", "smote"];

    public static Draft From(IEnumerable<KeyValuePair<string, StringValues>> values)
    {
        var v = values.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        string? One(string k) => v.TryGetValue(k, out var s) && !StringValues.IsNullOrEmpty(s) ? s.ToString() : null;
        List<string> Many(string k) => v.TryGetValue(k, out var s) ? s.Where(x => !string.IsNullOrEmpty(x)).Select(x => x!).Distinct().ToList() : [];
        var d = new Draft
        {
            Task = One("task") is { } t && Tasks.Contains(t) ? t : "binary",
            Dataset = One("dataset"),
            Label = One("label"),
            Text = Many("text"),
            Positive = One("positive"),
            Normalize = One("normalize") != "off",
            StripHeaders = One("strip") == "on",
            Mask = Many("mask").Where(NormalizationFlags.Masks.Contains).ToList(),
            Dedup = One("dedup") == "on",
            Balance = One("balance") is { } b && Balances.Contains(b) ? b : "auto",
        };
        return d;
    }

    IEnumerable<(string Key, string Value)> Pairs(bool withSteps = true)
    {
        yield return ("task", Task);
        if (Dataset != null) yield return ("dataset", Dataset);
        if (Label != null) yield return ("label", Label);
        foreach (var t in Text) yield return ("text", t);
        if (Positive != null) yield return ("positive", Positive);
        if (!withSteps) yield break;
        yield return ("normalize", Normalize ? "on" : "off");
        if (StripHeaders) yield return ("strip", "on");
        foreach (var m in Mask) yield return ("mask", m);
        if (Dedup) yield return ("dedup", "on");
        yield return ("balance", Balance);
    }

    /// <summary>The choices as a query string (without '?').</summary>
    public string Query(bool withSteps = true) => string.Join("&", Pairs(withSteps).Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));

    /// <summary>The choices as (name, value) pairs for hidden form fields, minus the ones the form itself asks for.</summary>
    public List<KeyValuePair<string, string>> Fields(params string[] except) => Pairs().Where(p => !except.Contains(p.Key)).Select(p => KeyValuePair.Create(p.Key, p.Value)).ToList();

    /// <summary>The normalization the model applies (the CLI's --no-normalize / --strip-email-headers / --mask).</summary>
    public TextNormalizerOptions? Normalization() => NormalizationFlags.Apply(new TextNormalizerOptions(), !Normalize, Normalize && StripHeaders, Normalize ? Mask : []);

    public TaskKind TaskKind => Task switch { "multiclass" => TaskKind.Multiclass, "regression" => TaskKind.Regression, _ => TaskKind.Binary };
}
