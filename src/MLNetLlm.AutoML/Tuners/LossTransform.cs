using MathNet.Numerics.Distributions;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// Turns the losses of the successful trials into a surrogate's targets: a monotone <see cref="LossWarping"/> (chosen
/// automatically for <see cref="LossWarping.Auto"/>), then robust standardisation (minus the median, divided by the
/// interquartile range / 1.349, the standard deviation of a normal sample with that range; the standard deviation when
/// the quartiles coincide, 1 when every loss is equal). Failed trials have no loss: they are imputed as the worst
/// target seen (<see cref="FailedTarget"/>), so the model learns to avoid them without a made-up value stretching the
/// scale.
/// </summary>
internal sealed class LossTransform
{
    /// <summary>δ of the log warping, as a fraction of the gap between the best loss and the lower quartile.</summary>
    internal const double LogShiftFraction = 0.1;

    LossTransform(double[] targets, LossWarping applied)
    {
        Targets = targets;
        Applied = applied;
        FailedTarget = targets.Length > 0 ? targets.Max() : 0;
    }

    /// <summary>The targets, one per loss, in order.</summary>
    public double[] Targets { get; }

    /// <summary>The warping used (never <see cref="LossWarping.Auto"/>).</summary>
    public LossWarping Applied { get; }

    /// <summary>The target of a failed trial: the worst target seen.</summary>
    public double FailedTarget { get; }

    /// <summary>Warps and standardises <paramref name="losses"/> (all finite).</summary>
    public static LossTransform Fit(IReadOnlyList<double> losses, LossWarping warping)
    {
        ArgumentNullException.ThrowIfNull(losses);
        foreach (var v in losses)
            if (!double.IsFinite(v)) throw new ArgumentException($"Losses must be finite (got {v}); report such trials as failed.", nameof(losses));
        var y = losses.ToArray();
        var applied = warping == LossWarping.Auto ? Choose(y) : warping;
        var g = applied switch
        {
            LossWarping.None => y,
            LossWarping.Log => Log(y),
            LossWarping.Rank => NormalScores(y),
            _ => throw new ArgumentOutOfRangeException(nameof(warping), warping, "Unknown warping."),
        };
        return new LossTransform(Standardise(g), applied);
    }

    /// <summary>The automatic rule of <see cref="LossWarping.Auto"/>: log when the losses are right-skewed (skewness
    /// above 1) and the log warping reduces the absolute skewness.</summary>
    internal static LossWarping Choose(double[] y)
    {
        if (y.Length < 3) return LossWarping.None;
        double raw = Skewness(y);
        if (!(raw > 1)) return LossWarping.None;
        return Math.Abs(Skewness(Log(y))) < Math.Abs(raw) ? LossWarping.Log : LossWarping.None;
    }

    internal static double[] Log(double[] y)
    {
        double min = y.Min(), max = y.Max();
        double q25 = Quantile(y, 0.25);
        double delta = LogShiftFraction * (q25 - min);
        // all but a few losses equal the best: fall back to the whole range, then to an absolute floor
        if (!(delta > 0)) delta = LogShiftFraction * (max - min);
        if (!(delta > 0)) delta = 1;
        return y.Select(v => Math.Log(v - min + delta)).ToArray();
    }

    internal static double[] NormalScores(double[] y)
    {
        int n = y.Length;
        var order = Enumerable.Range(0, n).OrderBy(i => y[i]).ToArray();
        var scores = new double[n];
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && y[order[end + 1]] == y[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1; // mean rank of the tie group, 1-based
            double z = Normal.InvCDF(0, 1, (rank - 0.5) / n);
            for (int k = start; k <= end; k++) scores[order[k]] = z;
            start = end + 1;
        }
        return scores;
    }

    internal static double[] Standardise(double[] g)
    {
        if (g.Length == 0) return g;
        double median = Quantile(g, 0.5);
        double scale = (Quantile(g, 0.75) - Quantile(g, 0.25)) / 1.349;
        if (!(scale > 1e-12))
        {
            double mean = g.Average();
            scale = Math.Sqrt(g.Sum(v => (v - mean) * (v - mean)) / g.Length);
        }
        if (!(scale > 1e-12)) scale = 1;
        return g.Select(v => (v - median) / scale).ToArray();
    }

    /// <summary>The linearly interpolated quantile (type 7, as NumPy's default).</summary>
    internal static double Quantile(double[] values, double p)
    {
        var s = values.Order().ToArray();
        double h = (s.Length - 1) * p;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, s.Length - 1);
        return s[lo] + (h - lo) * (s[hi] - s[lo]);
    }

    internal static double Skewness(double[] y)
    {
        double mean = y.Average();
        double m2 = 0, m3 = 0;
        foreach (var v in y) { double d = v - mean; m2 += d * d; m3 += d * d * d; }
        m2 /= y.Length; m3 /= y.Length;
        return m2 > 1e-300 ? m3 / Math.Pow(m2, 1.5) : 0;
    }
}
