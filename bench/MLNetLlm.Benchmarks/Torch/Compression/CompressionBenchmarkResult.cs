using System.Globalization;
using System.Text;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Compression;

namespace MLNetLlm.Benchmarks.Torch.Compression;

/// <summary>One row of the benchmark: a model variant with its size, CPU latency and test-set quality.</summary>
public sealed record CompressionBenchmarkRow(string Variant, string Runtime, long ModelFileBytes, double Batch1Milliseconds,
    double Batch32Milliseconds, double? Accuracy, double? F1, TimeSpan CompressionTime);

/// <summary>The benchmark's rows plus the run's context; <see cref="ToMarkdown"/> renders the table for docs/benchmarks.md.</summary>
public sealed record CompressionBenchmarkResult(IReadOnlyList<CompressionBenchmarkRow> Rows, IReadOnlyList<CompressionBenchmarkRow> BertBaseRows,
    string Machine, DateTime DateUtc, string Settings)
{
    /// <summary>Markdown tables; ratios are against the first row of each table.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine}. Date: {DateUtc:yyyy-MM-dd HH:mm} UTC. {Settings}");
        sb.AppendLine();
        if (Rows.Count > 0) Table(sb, Rows, quality: true);
        if (BertBaseRows.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("BERT-base shape (12 layers × 768, vocabulary 30522, 2 labels, random weights; sequence 128): size and latency only.");
            sb.AppendLine();
            Table(sb, BertBaseRows, quality: false);
        }
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, IReadOnlyList<CompressionBenchmarkRow> rows, bool quality)
    {
        static string F(double v, string f = "F1") => v.ToString(f, CultureInfo.InvariantCulture);
        var b = rows[0];
        sb.AppendLine(quality
            ? "| Variant | Runtime | Model file | Size ratio | Batch 1 (ms) | Speed-up | Batch 32 (ms) | Speed-up | Accuracy | F1 (spam) | Compression time |"
            : "| Variant | Runtime | Model file | Size ratio | Batch 1 (ms) | Speed-up | Batch 32 (ms) | Speed-up |");
        sb.AppendLine(quality ? "|---|---|---|---|---|---|---|---|---|---|---|" : "|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Variant} | {r.Runtime} | {F(r.ModelFileBytes / 1e6, "F2")} MB | {F((double)b.ModelFileBytes / r.ModelFileBytes, "F2")}× | ");
            sb.Append(CultureInfo.InvariantCulture, $"{F(r.Batch1Milliseconds)} | {F(b.Batch1Milliseconds / r.Batch1Milliseconds, "F2")}× | {F(r.Batch32Milliseconds)} | {F(b.Batch32Milliseconds / r.Batch32Milliseconds, "F2")}× |");
            if (quality)
                sb.Append(CultureInfo.InvariantCulture, $" {(r.Accuracy is double a ? F(100 * a, "F2") : "–")} | {(r.F1 is double f ? F(100 * f, "F2") : "–")} | {F(r.CompressionTime.TotalSeconds, "F0")} s |");
            sb.AppendLine();
        }
    }
}
