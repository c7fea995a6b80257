using System.Globalization;
using System.Text;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Compression;

namespace MLNetLlm.Benchmarks.Torch.Compression;

/// <summary>The rows of a <see cref="DistillationBenchmark"/> run and its context.</summary>
public sealed record DistillationBenchmarkResult(IReadOnlyList<DistillationBenchmarkRow> Rows, string Machine, string Load, DateTime DateUtc, string Settings)
{
    /// <summary>A markdown table; speed-ups and size ratios are against the teacher in the same runtime, ΔF1 in points.</summary>
    public string ToMarkdown()
    {
        static string F(double v, string f = "F1") => v.ToString(f, CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine}; {Load}. Date: {DateUtc:yyyy-MM-dd HH:mm} UTC. {Settings}");
        sb.AppendLine();
        sb.AppendLine("| Variant | Runtime | Model file | Smaller | Batch 1 (ms) | Speed-up | Batch 32 (ms) | Speed-up | Accuracy | F1 (spam) | ΔF1 (points) | Training |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in Rows.OrderBy(r => r.Runtime, StringComparer.Ordinal))
        {
            var t = Rows.First(x => x.Runtime == r.Runtime && x.Variant == "teacher");
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Variant} | {r.Runtime} | {F(r.ModelFileBytes / 1e6, "F2")} MB | {F((double)t.ModelFileBytes / r.ModelFileBytes, "F2")}× | {F(r.Batch1Milliseconds, "F2")} | {F(t.Batch1Milliseconds / r.Batch1Milliseconds, "F2")}× | "
                + $"{F(r.Batch32Milliseconds)} | {F(t.Batch32Milliseconds / r.Batch32Milliseconds, "F2")}× | {F(100 * r.Accuracy, "F2")} | {F(100 * r.F1, "F2")} | {F(100 * (r.F1 - t.F1), "+0.00;-0.00;0.00")} | {F(r.TrainingTime.TotalSeconds, "F0")} s |");
        }
        return sb.ToString();
    }
}
