using MLNetLlm.AutoML.Tuners;
using MLNetLlm.Tests;

namespace MLNetLlm.AutoML.Tests.Tuners;

/// <summary>
/// The Gaussian process and expected improvement against references written from their textbook definitions
/// (Rasmussen &amp; Williams, eqs. 2.25–2.26 and 5.8; the Matérn-5/2 kernel; EI as an integral of the improvement over
/// the normal density), solved here by Gauss–Jordan elimination in float64 instead of the tuner's Cholesky factor.
/// </summary>
public sealed class GaussianProcessReferenceTests
{
    static double Matern52(double[] a, double[] b, double[] ls, double sf2)
    {
        double r2 = 0;
        for (int i = 0; i < a.Length; i++) r2 += (a[i] - b[i]) * (a[i] - b[i]) / (ls[i] * ls[i]);
        double r = Math.Sqrt(5 * r2);
        return sf2 * (1 + r + r * r / 3) * Math.Exp(-r);
    }

    /// <summary>Solves A·X = B for every column of B by Gauss–Jordan elimination with partial pivoting; returns X and log|A|.</summary>
    static (double[,] X, double LogDet) Solve(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), m = b.GetLength(1);
        var A = (double[,])a.Clone();
        var B = (double[,])b.Clone();
        double logDet = 0;
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(A[r, c]) > Math.Abs(A[p, c])) p = r;
            for (int k = 0; k < n; k++) (A[c, k], A[p, k]) = (A[p, k], A[c, k]);
            for (int k = 0; k < m; k++) (B[c, k], B[p, k]) = (B[p, k], B[c, k]);
            double pivot = A[c, c];
            logDet += Math.Log(Math.Abs(pivot));
            for (int k = 0; k < n; k++) A[c, k] /= pivot;
            for (int k = 0; k < m; k++) B[c, k] /= pivot;
            for (int r = 0; r < n; r++)
            {
                if (r == c || A[r, c] == 0) continue;
                double f = A[r, c];
                for (int k = 0; k < n; k++) A[r, k] -= f * A[c, k];
                for (int k = 0; k < m; k++) B[r, k] -= f * B[c, k];
            }
        }
        return (B, logDet);
    }

    /// <summary>The sum of the one-dimensional Matérn-5/2 kernels of each coordinate, divided by d.</summary>
    static double AdditiveMatern52(double[] a, double[] b, double[] ls, double sf2) =>
        Enumerable.Range(0, a.Length).Sum(i => Matern52([a[i]], [b[i]], [ls[i]], sf2)) / a.Length;

    /// <summary>A Gaussian process with θ's hyperparameters; <see cref="Share"/>: the additive part's weight (0: the full kernel).</summary>
    sealed record Reference(double[] Ls, double Sf2, double Sn2, double[]? A, double[]? B, double Share = 0)
    {
        public static Reference Of(IReadOnlyList<double> theta, int d, bool additive = false)
        {
            var ls = Enumerable.Range(0, d).Select(i => Math.Exp(theta[i])).ToArray();
            bool warp = theta.Count - (additive ? 1 : 0) > d + 2;
            return new Reference(ls, Math.Exp(theta[d]), Math.Exp(theta[d + 1]),
                warp ? Enumerable.Range(0, d).Select(i => Math.Exp(theta[d + 2 + i])).ToArray() : null,
                warp ? Enumerable.Range(0, d).Select(i => Math.Exp(theta[2 * d + 2 + i])).ToArray() : null,
                additive ? 1 / (1 + Math.Exp(-theta[^1])) : 0);
        }

        double Kernel(double[] a, double[] b) => (1 - Share) * Matern52(a, b, Ls, Sf2) + Share * AdditiveMatern52(a, b, Ls, Sf2);

        public double[] Input(double[] x) => A is null ? x
            : x.Select((u, i) => 1 - Math.Pow(1 - Math.Pow(Math.Clamp(u, 0, 1), A[i]), B![i])).ToArray();

        double[,] Gram(double[][] x)
        {
            int n = x.Length;
            var k = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    k[i, j] = Kernel(Input(x[i]), Input(x[j])) + (i == j ? Sn2 : 0);
            return k;
        }

        public (double Mean, double Variance) Predict(double[][] x, double[] y, double[] at)
        {
            int n = x.Length;
            var rhs = new double[n, 2];
            var kStar = new double[n];
            for (int i = 0; i < n; i++) { kStar[i] = Kernel(Input(at), Input(x[i])); rhs[i, 0] = y[i]; rhs[i, 1] = kStar[i]; }
            var (s, _) = Solve(Gram(x), rhs);
            double mean = 0, quad = 0;
            for (int i = 0; i < n; i++) { mean += kStar[i] * s[i, 0]; quad += kStar[i] * s[i, 1]; }
            return (mean, Sf2 - quad);
        }

        /// <summary>log p(y | x, θ) = −½ yᵀK⁻¹y − ½ log|K| − n/2 log 2π.</summary>
        public double LogMarginalLikelihood(double[][] x, double[] y)
        {
            int n = x.Length;
            var rhs = new double[n, 1];
            for (int i = 0; i < n; i++) rhs[i, 0] = y[i];
            var (s, logDet) = Solve(Gram(x), rhs);
            double fit = 0;
            for (int i = 0; i < n; i++) fit += y[i] * s[i, 0];
            return -0.5 * fit - 0.5 * logDet - 0.5 * n * Math.Log(2 * Math.PI);
        }
    }

    static (double[][] X, double[] Y) Sample(int n, int d, int seed)
    {
        var rng = new Random(seed);
        var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => rng.NextDouble()).ToArray()).ToArray();
        var y = x.Select(r => Math.Sin(5 * r[0]) + r.Sum(v => (v - 0.4) * (v - 0.4)) + 0.05 * rng.NextDouble()).ToArray();
        double mean = y.Average(), sd = Math.Sqrt(y.Average(v => (v - mean) * (v - mean)));
        return (x, y.Select(v => (v - mean) / sd).ToArray());
    }

    [Fact]
    public void PosteriorMeanAndVarianceMatchTheTextbookFormulasWithTheDefaultHyperparameters()
    {
        var (x, y) = Sample(12, 3, seed: 4);
        var gp = new GaussianProcess(3);
        gp.Condition(x, y);
        var reference = Reference.Of(gp.Hyperparameters, 3);
        AssertClose.Equal(0.3, reference.Ls[0], rel: 1e-12, what: "length scale");
        AssertClose.Equal(1e-4, reference.Sn2, rel: 1e-12, what: "noise variance");

        var rng = new Random(8);
        for (int t = 0; t < 20; t++)
        {
            // half the probes near a training point, where the variance is small and the mean follows the data
            double[] at = t % 2 == 0 ? x[t / 2].Select(v => v + 0.05 * (rng.NextDouble() - 0.5)).ToArray()
                : Enumerable.Range(0, 3).Select(_ => rng.NextDouble()).ToArray();
            var (mean, variance) = gp.Predict(at);
            var (refMean, refVariance) = reference.Predict(x, y, at);
            AssertClose.Equal(refMean, mean, abs: 1e-9, rel: 1e-7, what: $"mean at probe {t}");
            AssertClose.Equal(Math.Max(refVariance, 1e-12), variance, abs: 1e-9, rel: 1e-6, what: $"variance at probe {t}");
        }
        // at a training point the posterior reproduces its target up to the noise and is nearly certain
        var (m0, v0) = gp.Predict(x[0]);
        AssertClose.Equal(y[0], m0, abs: 1e-2);
        Assert.InRange(v0, 1e-12, 2e-4);
    }

    [Fact]
    public void FittedHyperparametersWithWarpingPredictLikeTheReferenceAndRaiseTheMarginalLikelihood()
    {
        var (x, y) = Sample(15, 2, seed: 11);
        var gp = new GaussianProcess(2, inputWarping: true);
        double before = Reference.Of(gp.Hyperparameters, 2).LogMarginalLikelihood(x, y);
        gp.OptimiseHyperparameters(x, y, new Random(3), 300);
        var theta = gp.Hyperparameters.ToArray();
        var reference = Reference.Of(theta, 2);
        double after = reference.LogMarginalLikelihood(x, y);
        Assert.True(after > before + 1, $"log marginal likelihood {before} → {after}");
        // the search moved the warping away from the identity (a = b = 1) and kept every value inside its bounds
        Assert.Contains(theta.Skip(4), t => Math.Abs(t) > 1e-3);
        for (int i = 0; i < 2; i++) Assert.InRange(theta[i], Math.Log(0.01) - 1e-12, Math.Log(20) + 1e-12);
        Assert.InRange(theta[2], Math.Log(0.05) - 1e-12, Math.Log(20) + 1e-12);
        Assert.InRange(theta[3], Math.Log(1e-6) - 1e-12, Math.Log(0.5) + 1e-12);
        foreach (var t in theta.Skip(4)) Assert.InRange(t, Math.Log(0.25) - 1e-12, Math.Log(4) + 1e-12);

        gp.Condition(x, y);
        AssertPosteriorIsTheReferences(gp, reference, x, y, new Random(2), probes: 15);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheSearchMaximisesTheMarginalLikelihoodPlusTheLogNormalPriorOnLengthScalesAndWarping(bool warping)
    {
        // θ away from every prior centre: length scales 0.2 and 1.7 (centre ½), σf² 1.3, σn² 0.01, warping a = 0.6, 2.5
        // and b = 1.8, 0.4 (centre 1); the prior is log ℓ ~ N(log ½, 1.5²), log a, log b ~ N(0, 0.75²), unnormalised
        var (x, y) = Sample(14, 2, seed: 21);
        double[] ls = [0.2, 1.7], a = [0.6, 2.5], b = [1.8, 0.4];
        var theta = ls.Select(v => Math.Log(v)).Concat([Math.Log(1.3), Math.Log(0.01)])
            .Concat(warping ? a.Concat(b).Select(v => Math.Log(v)) : []).ToArray();
        double prior = 0;
        foreach (var l in ls) prior -= 0.5 * Math.Pow((Math.Log(l) - Math.Log(0.5)) / 1.5, 2);
        if (warping) foreach (var w in a.Concat(b)) prior -= 0.5 * Math.Pow(Math.Log(w) / 0.75, 2);
        double lml = Reference.Of(theta, 2).LogMarginalLikelihood(x, y);

        var gp = new GaussianProcess(2, warping);
        AssertClose.Equal(lml + prior, gp.LogPosterior(x, y, theta), abs: 1e-9, rel: 1e-10, what: "log posterior");
        // the prior's share, worked out separately for these θ: −0.5194 from the length scales, −2.0317 more from the warping
        AssertClose.Equal(warping ? -2.5510 : -0.5194, prior, abs: 1e-4, what: "log prior");
        // at the prior's centres only the likelihood is left
        double[] centre = [Math.Log(0.5), Math.Log(0.5), Math.Log(1.3), Math.Log(0.01), .. warping ? new double[4] : []];
        AssertClose.Equal(Reference.Of(centre, 2).LogMarginalLikelihood(x, y), gp.LogPosterior(x, y, centre), abs: 1e-9, rel: 1e-10,
            what: "log posterior at the prior's centre");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheAdditiveKernelIsTheFullMaternKernelMixedWithTheMeanOfOneDimensionalOnes(bool warping)
    {
        // θ: length scales 0.3 and 0.8, σf² 1.2, σn² 0.001, (warping a = 0.7, 1.4, b = 1.2, 0.9), additive share's logit 0.8
        var (x, y) = Sample(13, 2, seed: 17);
        double[] theta = [Math.Log(0.3), Math.Log(0.8), Math.Log(1.2), Math.Log(0.001),
            .. warping ? new[] { 0.7, 1.4, 1.2, 0.9 }.Select(v => Math.Log(v)) : [], 0.8];
        var gp = new GaussianProcess(2, warping, additive: true);
        Assert.Equal(theta.Length, gp.Hyperparameters.Count);
        var reference = Reference.Of(theta, 2, additive: true);
        AssertClose.Equal(1 / (1 + Math.Exp(-0.8)), reference.Share, rel: 1e-15, what: "share");
        double prior = -0.5 * Math.Pow((Math.Log(0.3) - Math.Log(0.5)) / 1.5, 2) - 0.5 * Math.Pow((Math.Log(0.8) - Math.Log(0.5)) / 1.5, 2)
            - (warping ? new[] { 0.7, 1.4, 1.2, 0.9 }.Sum(v => 0.5 * Math.Pow(Math.Log(v) / 0.75, 2)) : 0) - 0.5 * Math.Pow(0.8 / 2, 2);
        AssertClose.Equal(reference.LogMarginalLikelihood(x, y) + prior, gp.LogPosterior(x, y, theta), abs: 1e-9, rel: 1e-10, what: "log posterior");

        // a fit: the share moves and stays within its bound, and the posterior is the reference's with the fitted θ
        gp.OptimiseHyperparameters(x, y, new Random(4), 300);
        var fitted = gp.Hyperparameters.ToArray();
        Assert.NotEqual(0, fitted[^1]);
        Assert.InRange(fitted[^1], -6, 6);
        gp.Condition(x, y);
        AssertPosteriorIsTheReferences(gp, Reference.Of(fitted, 2, additive: true), x, y, new Random(6), probes: 12);
    }

    /// <summary>The conditioned GP's posterior mean and variance at random points of the unit square equal the reference's.</summary>
    static void AssertPosteriorIsTheReferences(GaussianProcess gp, Reference reference, double[][] x, double[] y, Random rng, int probes)
    {
        for (int t = 0; t < probes; t++)
        {
            double[] at = [rng.NextDouble(), rng.NextDouble()];
            var (mean, variance) = gp.Predict(at);
            var (refMean, refVariance) = reference.Predict(x, y, at);
            AssertClose.Equal(refMean, mean, abs: 1e-8, rel: 1e-6, what: $"mean at probe {t}");
            AssertClose.Equal(Math.Max(refVariance, 1e-12), variance, abs: 1e-8, rel: 1e-5, what: $"variance at probe {t}");
        }
    }

    [Fact]
    public void ExpectedImprovementIsTheIntegralOfTheImprovementOverTheNormalDensity()
    {
        // EI(μ, σ) = ∫_{−∞}^{best − ξ} (best − ξ − f) N(f; μ, σ²) df, by Simpson's rule from μ − 12σ to the kink
        static double Integral(double mean, double std, double best, double xi)
        {
            const int steps = 20000;
            double lo = mean - 12 * std, hi = best - xi;
            if (hi <= lo) return 0;
            double h = (hi - lo) / steps, sum = 0;
            for (int i = 0; i <= steps; i++)
            {
                double f = lo + i * h, z = (f - mean) / std;
                double g = (hi - f) * Math.Exp(-0.5 * z * z) / (std * Math.Sqrt(2 * Math.PI));
                sum += g * (i == 0 || i == steps ? 1 : i % 2 == 1 ? 4 : 2);
            }
            return sum * h / 3;
        }
        foreach (var (mean, std, best, xi) in new[] { (0.0, 1.0, 0.0, 0.0), (0.3, 0.5, -0.2, 0.01), (-1.0, 0.2, 0.5, 0.0), (2.0, 0.7, 0.1, 0.05), (0.1, 3.0, 0.0, 0.1) })
            AssertClose.Equal(Integral(mean, std, best, xi), ExpectedImprovement.Compute(mean, std, best, xi), abs: 1e-9, rel: 1e-6,
                what: $"EI(μ={mean}, σ={std}, best={best}, ξ={xi})");
        // without uncertainty it is the plain improvement, never negative
        AssertClose.Equal(0.25, ExpectedImprovement.Compute(0.25, 0, 0.6, 0.1), abs: 1e-15);
        Assert.Equal(0.0, ExpectedImprovement.Compute(0.7, 0, 0.6, 0.1));
        Assert.Equal(0.0, ExpectedImprovement.Compute(0.7, 1e-13, 0.6, 0.1));
    }
}
