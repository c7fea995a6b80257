namespace MLNetLlm.Cli.Evaluation;

/// <summary>Pearson and Spearman correlation, the usual metrics of sentence-pair similarity regression.</summary>
internal static class Correlation
{
    /// <summary>Pearson's r; NaN when either series is constant or shorter than two.</summary>
    public static double Pearson(IReadOnlyList<float> x, IReadOnlyList<float> y)
    {
        int n = x.Count;
        if (n != y.Count) throw new ArgumentException("The series differ in length.");
        if (n < 2) return double.NaN;
        double mx = x.Average(v => (double)v), my = y.Average(v => (double)v);
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Spearman's rho: Pearson's r of the ranks (ties get their average rank).</summary>
    public static double Spearman(IReadOnlyList<float> x, IReadOnlyList<float> y) => Pearson(Ranks(x), Ranks(y));

    static float[] Ranks(IReadOnlyList<float> v)
    {
        var order = Enumerable.Range(0, v.Count).OrderBy(i => v[i]).ToArray();
        var ranks = new float[v.Count];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && v[order[j + 1]] == v[order[i]]) j++;
            float rank = (i + j) / 2f + 1;
            for (int k = i; k <= j; k++) ranks[order[k]] = rank;
            i = j + 1;
        }
        return ranks;
    }
}
