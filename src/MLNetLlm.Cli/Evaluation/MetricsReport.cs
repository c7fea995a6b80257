using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNetLlm.Cli.Evaluation;

/// <summary>The metrics of a model on one data set: written as metrics.json and printed for people.</summary>
internal sealed class MetricsReport
{
    /// <summary>How metrics files are written: indented camelCase, NaN allowed, paths and quotes unescaped.</summary>
    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public required string Task { get; init; }

    /// <summary>The data set the metrics were measured on.</summary>
    public required string Dataset { get; init; }

    /// <summary>
    /// What the data set is to the run: "test" (read once, after the search, by the final model) or "validation" (what
    /// trials were selected on); null for metrics of an evaluation alone.
    /// </summary>
    public string? Role { get; set; }

    /// <summary>With test metrics: the same model's metrics on the validation data, side by side.</summary>
    public MetricsReport? Validation { get; set; }

    /// <summary>How the model was selected (trials, fidelities, the default-pipeline rule, balancing); null for evaluations.</summary>
    public SearchSummary? Search { get; set; }

    /// <summary>Rows the model was trained on (null when only evaluating).</summary>
    public int? TrainRows { get; init; }

    /// <summary>Rows the metrics were measured on.</summary>
    public required int TestRows { get; init; }

    /// <summary>The metric runs are ranked by (higher is better unless it ends in "rmse"/"mae"/"logLoss").</summary>
    public required string PrimaryMetric { get; set; }

    /// <summary>Metric name → value, in print order.</summary>
    public required Dictionary<string, double> Metrics { get; init; }

    /// <summary>Classification: class names, in the order of the confusion matrix rows and columns.</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>Classification: counts[actual][predicted].</summary>
    public long[][]? ConfusionMatrix { get; init; }

    /// <summary>Seconds spent fitting the pipeline (null when only evaluating).</summary>
    public double? TrainSeconds { get; set; }

    /// <summary>The value of <see cref="PrimaryMetric"/>.</summary>
    [JsonIgnore]
    public double Primary => Metrics[PrimaryMetric];

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions) + "\n");
    }

    public static MetricsReport Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<MetricsReport>(File.ReadAllText(path), JsonOptions)
                ?? throw new CliException($"'{path}' holds no metrics.");
        }
        catch (JsonException ex) { throw new CliException($"'{path}' is not a metrics file: {ex.Message}", ex); }
    }

    /// <summary>Writes the metrics as aligned text: one metric per line (validation and test side by side when both), then the confusion matrix.</summary>
    public void Print(TextWriter w)
    {
        int width = Metrics.Keys.Max(k => k.Length);
        if (Validation is { } v)
        {
            w.WriteLine($"Metrics ({Task}) — train rows: {TrainRows}{(TrainSeconds is { } s0 ? $", trained in {s0:0.0}s" : "")}");
            w.WriteLine($"  validation: {v.Dataset} ({v.TestRows} rows; trials were selected on it)");
            w.WriteLine($"  test:       {Dataset} ({TestRows} rows; read once, after the search, by the final model)");
            w.WriteLine($"  {"".PadRight(width)}  {"validation",10}  {"test",10}");
            foreach (var (name, value) in Metrics)
                w.WriteLine($"  {name.PadRight(width)}  {Format(v.Metrics.GetValueOrDefault(name, double.NaN)),10}  {Format(value),10}{(name == PrimaryMetric ? "  (primary)" : "")}");
        }
        else
        {
            string rows = TrainRows is { } tr ? $"train rows: {tr}, {Role ?? "test"} rows: {TestRows}" : $"rows: {TestRows}";
            w.WriteLine($"Metrics ({Task}) on {(Role is { } role ? role + " data " : "")}{Dataset} — {rows}{(TrainSeconds is { } s ? $", trained in {s:0.0}s" : "")}");
            foreach (var (name, value) in Metrics)
                w.WriteLine($"  {name.PadRight(width)}  {Format(value)}{(name == PrimaryMetric ? "  (primary)" : "")}");
        }
        if (Classes is { Count: > 0 } classes && ConfusionMatrix is { } cm)
        {
            w.WriteLine("  Confusion matrix (rows: actual, columns: predicted)");
            int cw = Math.Max(6, Math.Max(classes.Max(c => c.Length), cm.SelectMany(r => r).DefaultIfEmpty(0).Max().ToString(CultureInfo.InvariantCulture).Length));
            w.WriteLine("    " + "".PadRight(cw) + "  " + string.Join("  ", classes.Select(c => Clip(c, cw).PadLeft(cw))));
            for (int i = 0; i < classes.Count; i++)
                w.WriteLine("    " + Clip(classes[i], cw).PadRight(cw) + "  " + string.Join("  ", cm[i].Select(n => n.ToString(CultureInfo.InvariantCulture).PadLeft(cw))));
        }
    }

    /// <summary>A metric value as printed: 4 decimals, or "n/a" when undefined.</summary>
    public static string Format(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>True when a smaller value of the metric is better.</summary>
    public static bool LowerIsBetter(string metric) => metric is "rmse" or "mae" or "logLoss" or "mse";

    static string Clip(string s, int w) => s.Length <= w ? s : s[..(w - 1)] + "…";
}
