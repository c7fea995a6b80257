using MLNetLlm.AutoML.Tuners;
using MLNetLlm.Tests;

namespace MLNetLlm.AutoML.Tests.Tuners;

/// <summary>
/// The SMAC surrogate's trend against weighted least squares written out here from its definition (tricube weights of
/// the distance to the incumbent over the 14 nearest points, products of two coordinates where there are two points per
/// coefficient, a ridge of 1e-6 × the total weight on the non-intercept
/// terms, normal equations solved by Gauss–Jordan elimination), and the trend-plus-forest composition against its parts.
/// </summary>
public sealed class TrendForestSurrogateTests
{
    static double[][] Points(int n, int d, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => rng.NextDouble()).ToArray()).ToArray();
    }

    static double[] SolveLinear(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var v = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[p, c])) p = r;
            for (int k = 0; k < n; k++) (m[c, k], m[p, k]) = (m[p, k], m[c, k]);
            (v[c], v[p]) = (v[p], v[c]);
            for (int r = 0; r < n; r++)
            {
                if (r == c) continue;
                double f = m[r, c] / m[c, c];
                for (int k = 0; k < n; k++) m[r, k] -= f * m[c, k];
                v[r] -= f * v[c];
            }
        }
        return Enumerable.Range(0, n).Select(i => v[i] / m[i, i]).ToArray();
    }

    /// <summary>
    /// The reference fit: (centre, β = [intercept, linear…, squared…, products z_j z_l for j &lt; l…], mean, fade width).
    /// The products take part when the fit has at least two points per coefficient of the full quadratic.
    /// </summary>
    static (double[] Centre, double[] Beta, double Mean, double Width) Reference(double[][] x, double[] y)
    {
        int n = x.Length, d = x[0].Length, k = Math.Min(n, 14);
        int products = k >= 2 * (1 + 2 * d + d * (d - 1) / 2) ? d * (d - 1) / 2 : 0;
        int p = 1 + 2 * d + products;
        var centre = x[Array.IndexOf(y, y.Min())];
        var dist = x.Select(r => Math.Sqrt(r.Select((v, j) => (v - centre[j]) * (v - centre[j])).Sum())).ToArray();
        double radius = dist.OrderBy(v => v).ElementAt(k - 1) * 1.01 + 1e-12;
        var a = new double[p, p];
        var b = new double[p];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double u = dist[i] / radius;
            if (u >= 1) continue;
            double w = Math.Pow(1 - Math.Pow(u, 3), 3);
            total += w;
            var f = new double[p];
            f[0] = 1;
            for (int j = 0; j < d; j++) { f[1 + j] = x[i][j] - centre[j]; f[1 + d + j] = f[1 + j] * f[1 + j]; }
            if (products > 0)
                for (int j = 0, c = 1 + 2 * d; j < d; j++)
                    for (int l = j + 1; l < d; l++, c++) f[c] = f[1 + j] * f[1 + l];
            for (int r = 0; r < p; r++) { b[r] += w * f[r] * y[i]; for (int c = 0; c < p; c++) a[r, c] += w * f[r] * f[c]; }
        }
        for (int r = 1; r < p; r++) a[r, r] += 1e-6 * total;
        return (centre, SolveLinear(a, b), y.Average(), 0.35 * radius);
    }

    [Fact]
    public void TheTrendIsTheTricubeWeightedRidgeFitAndFadesToTheMean()
    {
        var x = Points(30, 2, seed: 6);
        var rng = new Random(1);
        var y = x.Select(r => Math.Sin(4 * r[0]) + 2 * r[1] * r[1] - r[0] * r[1] + 0.2 * rng.NextDouble()).ToArray();
        var trend = new LocalQuadraticTrend();
        trend.Fit(x, y);
        var (centre, beta, mean, width) = Reference(x, y);
        AssertClose.All(beta.Skip(1).Take(2), trend.Linear, abs: 1e-7, rel: 1e-6, what: "linear coefficients");
        AssertClose.All(beta.Skip(3).Take(2), trend.Curvature, abs: 1e-7, rel: 1e-6, what: "curvature");
        // 30 points in 2 coordinates: 14 neighbours ≥ 2 × 6 coefficients, so the product z0 z1 is fitted too
        Assert.Equal(6, beta.Length);
        AssertClose.All(beta.Skip(5), trend.Cross, abs: 1e-7, rel: 1e-6, what: "cross term");
        // stationary point: centre − H⁻¹ b with H = [[2a0, c], [c, 2a1]], inverted by hand
        double h00 = 2 * beta[3], h11 = 2 * beta[4], h01 = beta[5], det = h00 * h11 - h01 * h01;
        double s0 = (h11 * beta[1] - h01 * beta[2]) / det, s1 = (h00 * beta[2] - h01 * beta[1]) / det;
        AssertClose.All([centre[0] - s0, centre[1] - s1], trend.Stationary(), abs: 1e-6, rel: 1e-6, what: "stationary point");

        foreach (var p in Points(20, 2, seed: 9).Append(centre).Append([centre[0] + 0.3, centre[1] - 0.2]).Append([5.0, 5.0]))
        {
            double z0 = p[0] - centre[0], z1 = p[1] - centre[1];
            double polynomial = beta[0] + beta[1] * z0 + beta[2] * z1 + beta[3] * z0 * z0 + beta[4] * z1 * z1 + beta[5] * z0 * z1;
            double expected = mean + Math.Exp(-(z0 * z0 + z1 * z1) / (2 * width * width)) * (polynomial - mean);
            AssertClose.Equal(expected, trend.Predict(p), abs: 1e-7, rel: 1e-6, what: $"trend at ({p[0]:F3}, {p[1]:F3})");
        }
        AssertClose.Equal(mean, trend.Predict([5.0, 5.0]), abs: 1e-9, what: "far away: the mean of the observations");

        // fewer points than the neighbourhood: all of them take part, and a line is recovered with no curvature
        var few = Points(6, 1, seed: 2);
        var line = few.Select(r => 1 + 2 * r[0]).ToArray();
        var flat = new LocalQuadraticTrend();
        flat.Fit(few, line);
        var (_, fb, _, _) = Reference(few, line);
        AssertClose.All(fb.Skip(1), flat.Linear.Concat(flat.Curvature), abs: 1e-6, rel: 1e-5, what: "line");
        // (the ridge on the squared term trades a little curvature for slope: 2 within 0.1%)
        AssertClose.Equal(2, flat.Linear[0], rel: 1e-3, what: "slope");
        AssertClose.Equal(0, flat.Curvature[0], abs: 1e-2, what: "curvature of a line");
        Assert.Throws<ArgumentException>(() => flat.Fit([], []));
        Assert.Throws<ArgumentException>(() => flat.Fit(few, [1.0]));
    }

    [Fact]
    public void TheSurrogateIsTheTrendPlusAForestOfItsResiduals()
    {
        var x = Points(40, 2, seed: 3);
        var y = x.Select(r => Math.Cos(3 * r[0]) + r[1]).ToArray();
        var composite = new TrendForestSurrogate(new RandomForestSurrogate(8, leaves: 8, minLeaf: 2, seed: 5), useTrend: true);
        composite.Fit(x, y);

        var trend = new LocalQuadraticTrend();
        trend.Fit(x, y);
        var forest = new RandomForestSurrogate(8, leaves: 8, minLeaf: 2, seed: 5);
        forest.Fit(x, y.Select((v, i) => v - trend.Predict(x[i])).ToArray());
        var alone = new TrendForestSurrogate(new RandomForestSurrogate(8, leaves: 8, minLeaf: 2, seed: 5), useTrend: false);
        alone.Fit(x, y);
        var plain = new RandomForestSurrogate(8, leaves: 8, minLeaf: 2, seed: 5);
        plain.Fit(x, y);

        foreach (var p in Points(15, 2, seed: 8))
        {
            var (m, v) = composite.Predict(p);
            var (fm, fv) = forest.Predict(p);
            AssertClose.Equal(trend.Predict(p) + fm, m, abs: 1e-12, rel: 1e-12, what: "mean");
            AssertClose.Equal(fv, v, abs: 1e-12, rel: 1e-12, what: "variance");
            Assert.Equal(plain.Predict(p), alone.Predict(p));
        }
    }
}
