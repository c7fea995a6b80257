using System.Globalization;
using System.Text;
using System.Text.Json;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Compression;

namespace MLNetLlm.Benchmarks.Torch.Compression;

/// <summary>
/// Reads an ONNX Runtime profile (the Chrome-trace JSON written with <c>SessionOptions.EnableProfiling</c>) and sums the
/// kernel time per operator type over a range of <c>Run</c> calls: where a model's time goes.
/// </summary>
internal static class OnnxProfileSummary
{
    /// <summary>One operator type: nodes of that type per run, milliseconds per run, share of the kernel time.</summary>
    internal sealed record OpTime(string Op, int NodesPerRun, double MillisecondsPerRun, double Share);

    /// <summary>Per-op-type times averaged over the runs <paramref name="firstRun"/>..<paramref name="lastRun"/> (0-based, inclusive).</summary>
    public static (IReadOnlyList<OpTime> Ops, double RunMilliseconds) Summarize(string traceFile, int firstRun, int lastRun)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(traceFile));
        var runs = new List<(long Start, long End)>();
        var nodes = new List<(long Ts, long Dur, string Op)>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (!e.TryGetProperty("cat", out var cat) || !e.TryGetProperty("name", out var nameElement)) continue;
            string name = nameElement.GetString() ?? "";
            long ts = e.GetProperty("ts").GetInt64(), dur = e.GetProperty("dur").GetInt64();
            if (cat.GetString() == "Session" && name == "model_run") runs.Add((ts, ts + dur));
            else if (cat.GetString() == "Node" && name.EndsWith("_kernel_time", StringComparison.Ordinal)
                     && e.TryGetProperty("args", out var args) && args.TryGetProperty("op_name", out var op))
                nodes.Add((ts, dur, op.GetString() ?? "?"));
        }
        runs.Sort();
        if (firstRun < 0 || lastRun >= runs.Count || lastRun < firstRun)
            throw new ArgumentException($"The profile '{traceFile}' has {runs.Count} runs; runs {firstRun}..{lastRun} were asked for.");
        var (from, to) = (runs[firstRun].Start, runs[lastRun].End);
        int count = lastRun - firstRun + 1;
        var selected = nodes.Where(n => n.Ts >= from && n.Ts <= to).ToList();
        double total = selected.Sum(n => (double)n.Dur);
        var ops = selected.GroupBy(n => n.Op)
            .Select(g => new OpTime(g.Key, g.Count() / count, g.Sum(n => n.Dur) / 1000.0 / count, total > 0 ? g.Sum(n => n.Dur) / total : 0))
            .OrderByDescending(o => o.MillisecondsPerRun).ToList();
        double runMs = runs.Skip(firstRun).Take(count).Sum(r => (r.End - r.Start) / 1000.0) / count;
        return (ops, runMs);
    }

    public static string ToMarkdown(string title, IReadOnlyList<OpTime> ops, double runMilliseconds)
    {
        var sb = new StringBuilder();
        string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
        sb.AppendLine(CultureInfo.InvariantCulture, $"{title}: {F(runMilliseconds, "F1")} ms per run, {F(ops.Sum(o => o.MillisecondsPerRun), "F1")} ms in kernels");
        sb.AppendLine();
        sb.AppendLine("| Operator | Nodes | ms per run | Share |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var o in ops) sb.AppendLine(CultureInfo.InvariantCulture, $"| {o.Op} | {o.NodesPerRun} | {F(o.MillisecondsPerRun, "F1")} | {F(100 * o.Share, "F1")}% |");
        return sb.ToString();
    }
}
