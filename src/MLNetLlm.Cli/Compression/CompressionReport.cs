using System.Globalization;
using System.Text;
using System.Text.Json;
using MLNetLlm.Cli.Evaluation;

namespace MLNetLlm.Cli.Compression;

/// <summary>
/// What <c>compress</c> measured, original against compressed: written as metrics.json and as the markdown table of
/// compression.md, and printed.
/// </summary>
internal sealed class CompressionReport
{
    /// <summary>The step, e.g. <c>quantize (mode dynamic-int8)</c>.</summary>
    public required string Method { get; init; }

    /// <summary>Seconds the compression step took (including its fine-tuning).</summary>
    public required double CompressSeconds { get; init; }

    /// <summary>The data latency was measured on, and how (rows, repeats, threads).</summary>
    public string? LatencySetup { get; init; }

    public required ModelMeasurement Original { get; init; }

    public required ModelMeasurement Compressed { get; init; }

    /// <summary>Fraction of the test rows on which both models predict the same class (null without test data).</summary>
    public double? Agreement { get; init; }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, MetricsReport.JsonOptions) + "\n");

    /// <summary>The side-by-side table (markdown): size, latency, metrics and the ratio compressed : original.</summary>
    public string Table()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| | original | compressed | change |");
        sb.AppendLine("|---|---:|---:|---:|");
        sb.AppendLine($"| size on disk | {Mb(Original.Bytes)} | {Mb(Compressed.Bytes)} | {Ratio(Original.Bytes, Compressed.Bytes, "smaller")} |");
        Latency("latency, batch 1", Original.Batch1, Compressed.Batch1);
        Latency("latency, batch 32", Original.Batch32, Compressed.Batch32);
        if (Original.Metrics is { } a && Compressed.Metrics is { } b)
            foreach (var name in MetricNames(a))
            {
                double x = a.Metrics[name], y = b.Metrics[name];
                sb.AppendLine($"| {name} | {MetricsReport.Format(x)} | {MetricsReport.Format(y)} | {(y - x).ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture)} |");
            }
        if (Agreement is { } agree) sb.AppendLine($"| same prediction | | {agree.ToString("P1", CultureInfo.InvariantCulture)} of rows | |");
        return sb.ToString();

        void Latency(string name, LatencyStats? o, LatencyStats? c)
        {
            if (o == null || c == null) return;
            sb.AppendLine($"| {name}, median of {o.Runs} | {o} | {c} | {LatencyStats.Change(o, c)} |");
        }
    }

    /// <summary>The metrics worth a row: accuracy, the primary metric and AUC/log-loss reduction where present.</summary>
    static IEnumerable<string> MetricNames(MetricsReport m)
    {
        string[] wanted = m.Task == "binary" ? ["accuracy", "f1", "auc"] : ["microAccuracy", "macroAccuracy", "logLossReduction"];
        return wanted.Where(m.Metrics.ContainsKey);
    }

    /// <summary>The whole compression.md.</summary>
    public string Markdown() =>
        $"# mlnet-llm compress: {Method}\n\n" +
        $"- original: `{Original.Model}`\n- compressed: `{Compressed.Model}`\n- compression took {CompressSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s\n" +
        (LatencySetup is { } setup ? $"- latency: {setup}\n" : "") +
        (Original.Metrics is { } m ? $"- metrics on {m.Dataset} ({m.TestRows} rows)\n" : "- metrics: no --test-dataset given\n") +
        "\n" + Table();

    static string Mb(long bytes) => (bytes / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " MB";

    static string Ratio(double original, double compressed, string better) =>
        compressed <= 0 ? "" : (original / compressed).ToString("0.00", CultureInfo.InvariantCulture) + $"× {(original >= compressed ? better : "(worse)")}";
}
