using System.Globalization;

namespace MLNetLlm.Cli.Compression;

/// <summary>
/// One model's latency at one batch size, in milliseconds: <paramref name="Runs"/> timed calls after
/// <paramref name="WarmUp"/> untimed ones; the median, the quartiles (linear interpolation) and the extremes.
/// </summary>
internal sealed record LatencyStats(int Runs, int WarmUp, double Median, double Q1, double Q3, double Min, double Max)
{
    /// <summary>The statistics of <paramref name="milliseconds"/> (at least one value).</summary>
    public static LatencyStats From(IReadOnlyCollection<double> milliseconds, int warmUp)
    {
        var v = milliseconds.Order().ToArray();
        if (v.Length == 0) throw new ArgumentException("No timings.", nameof(milliseconds));
        return new LatencyStats(v.Length, warmUp, Quantile(v, 0.5), Quantile(v, 0.25), Quantile(v, 0.75), v[0], v[^1]);
    }

    /// <summary>The <paramref name="q"/>-quantile of sorted values, interpolated linearly between neighbours.</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        double at = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(at), hi = (int)Math.Ceiling(at);
        return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>Whether the interquartile ranges overlap: then the medians' ratio is within this run's noise.</summary>
    public bool Overlaps(LatencyStats other) => Q1 <= other.Q3 && other.Q1 <= Q3;

    /// <summary>"12.3 ms (IQR 11.9–13.0)".</summary>
    public override string ToString() => $"{Ms(Median)} (IQR {Ms(Q1)}–{Ms(Q3)})";

    /// <summary>
    /// How <paramref name="compressed"/> compares with <paramref name="original"/> (both timed interleaved in one run):
    /// the ratio of the medians when the interquartile ranges are apart, else that there is no clear difference.
    /// </summary>
    public static string Change(LatencyStats original, LatencyStats compressed)
    {
        if (original.Overlaps(compressed)) return "no clear difference (IQRs overlap)";
        bool faster = compressed.Median < original.Median;
        double ratio = faster ? original.Median / compressed.Median : compressed.Median / original.Median;
        return ratio.ToString("0.00", CultureInfo.InvariantCulture) + (faster ? "× faster" : "× slower");
    }

    static string Ms(double ms) => ms.ToString(ms < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";
}
