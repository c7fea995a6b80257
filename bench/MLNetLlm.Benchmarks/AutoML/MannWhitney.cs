using MathNet.Numerics;
using MLNetLlm.AutoML;

namespace MLNetLlm.Benchmarks.AutoML;

/// <summary>
/// The Mann–Whitney U test (Wilcoxon rank-sum) of two independent samples: the normal approximation with the tie
/// correction and a continuity correction (as SciPy's <c>mannwhitneyu(..., method="asymptotic")</c>), two-sided.
/// </summary>
internal static class MannWhitney
{
    /// <summary>U of <paramref name="a"/>: the number of pairs (a_i, b_j) with a_i &gt; b_j, ties counting one half.</summary>
    public static double U(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var ranks = Ranks(a.Concat(b).ToArray(), out _);
        double r1 = ranks.Take(a.Count).Sum();
        return r1 - a.Count * (a.Count + 1) / 2.0;
    }

    /// <summary>The two-sided p-value of the hypothesis that both samples come from the same distribution.</summary>
    public static double TwoSidedP(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count == 0 || b.Count == 0) throw new ArgumentException("Both samples need values.");
        int n1 = a.Count, n2 = b.Count, n = n1 + n2;
        Ranks(a.Concat(b).ToArray(), out double tieSum);
        double u = U(a, b);
        double mu = n1 * (double)n2 / 2;
        double variance = n1 * (double)n2 / 12 * (n + 1 - tieSum / (n * (n - 1.0)));
        if (!(variance > 0)) return 1;
        double z = (Math.Abs(u - mu) - 0.5) / Math.Sqrt(variance);
        if (z <= 0) return 1;
        return Math.Min(1, SpecialFunctions.Erfc(z / Math.Sqrt(2)));
    }

    /// <summary>1-based ranks, ties sharing their mean rank; <paramref name="tieSum"/> = Σ (t³ − t) over tie groups.</summary>
    static double[] Ranks(double[] v, out double tieSum)
    {
        var order = Enumerable.Range(0, v.Length).OrderBy(i => v[i]).ToArray();
        var ranks = new double[v.Length];
        tieSum = 0;
        for (int start = 0; start < v.Length;)
        {
            int end = start;
            while (end + 1 < v.Length && v[order[end + 1]] == v[order[start]]) end++;
            double r = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[order[k]] = r;
            double t = end - start + 1;
            tieSum += t * t * t - t;
            start = end + 1;
        }
        return ranks;
    }
}
