using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

/// <summary>The hyperparameter search's warm start and bounds.</summary>
public sealed class GaussianProcessFitTests
{
    static (double[][] X, double[] Y) Data(int n, int d, int seed, Func<double[], Random, double> f)
    {
        var rng = new Random(seed);
        var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => rng.NextDouble()).ToArray()).ToArray();
        var y = x.Select(r => f(r, rng)).ToArray();
        double mean = y.Average(), sd = Math.Sqrt(y.Average(v => (v - mean) * (v - mean)));
        return (x, y.Select(v => (v - mean) / sd).ToArray());
    }

    [Fact]
    public void ASecondFitStartsFromTheFirstFitsHyperparameters()
    {
        var (x, y) = Data(15, 2, 3, (r, _) => Math.Sin(5 * r[0]) + r[1] * r[1]);
        var gp = new GaussianProcess(2, inputWarping: true);
        var defaults = gp.Hyperparameters.ToArray();
        gp.OptimiseHyperparameters(x, y, new Random(1), 200);
        var fitted = gp.Hyperparameters.ToArray();
        Assert.NotEqual(defaults, fitted);
        gp.OptimiseHyperparameters(x, y, new Random(2), 0); // no evaluation: the warm start is the answer
        Assert.Equal(fitted, gp.Hyperparameters.ToArray());
    }

    [Fact]
    public void WhenTheWarmStartGivesNoLikelihoodTheSearchRestartsFromTheDefaultHyperparameters()
    {
        var (x, y) = Data(15, 2, 5, (r, _) => Math.Sin(5 * r[0]) + r[1] * r[1]);
        var gp = new GaussianProcess(2, inputWarping: true);
        var defaults = gp.Hyperparameters.ToArray();
        gp.OptimiseHyperparameters(x, y, new Random(1), 200);
        Assert.All(Enumerable.Range(0, defaults.Length), i => Assert.NotEqual(defaults[i], gp.Hyperparameters[i]));
        // a NaN target makes the log marginal likelihood NaN for every θ: no candidate beats it, so the fit is the reset
        var broken = (double[])y.Clone();
        broken[3] = double.NaN;
        Assert.True(double.IsNaN(gp.LogPosterior(x, broken, gp.Hyperparameters.ToArray())));
        gp.OptimiseHyperparameters(x, broken, new Random(2), 20);
        Assert.Equal(defaults, gp.Hyperparameters.ToArray());
        Assert.Equal([Math.Log(0.3), Math.Log(0.3), 0, Math.Log(1e-4), 0, 0, 0, 0], defaults);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ANoiseFreeFitPressesAgainstABoundAndStaysInside(int seed)
    {
        double[] lower = [Math.Log(0.01), Math.Log(0.01), Math.Log(0.05), Math.Log(1e-6)];
        double[] upper = [Math.Log(20), Math.Log(20), Math.Log(20), Math.Log(0.5)];
        // a smooth function without noise: the likelihood keeps rising as the noise variance falls (to 1e-6) or the signal
        // variance grows (to 20), so the search ends on a bound, placed there by the clamp
        var (x, y) = Data(30, 2, seed, (r, _) => Math.Sin(3 * r[0]) + r[1]);
        var gp = new GaussianProcess(2);
        gp.OptimiseHyperparameters(x, y, new Random(seed), 600);
        var theta = gp.Hyperparameters.ToArray();
        string all = string.Join(", ", theta.Select(t => t.ToString("G6")));
        for (int i = 0; i < theta.Length; i++) Assert.True(theta[i] >= lower[i] - 1e-12 && theta[i] <= upper[i] + 1e-12, $"θ[{i}] outside its bounds: {all}");
        Assert.True(theta.Where((t, i) => Math.Abs(t - lower[i]) < 1e-12 || Math.Abs(t - upper[i]) < 1e-12).Any(), $"no value at a bound: {all}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void OnNoiseFreeDataTheFittedNoiseVarianceFallsBelowOneThousandth(int seed)
    {
        // the same noise-free function with the full kernel only (no warping, no additive part): the noise variance is
        // the last hyperparameter and the additive share's bound must not apply to it
        var (x, y) = Data(30, 2, seed, (r, _) => Math.Sin(3 * r[0]) + r[1]);
        var gp = new GaussianProcess(2);
        gp.OptimiseHyperparameters(x, y, new Random(seed), 600);
        Assert.Equal(4, gp.Hyperparameters.Count);
        double noise = Math.Exp(gp.Hyperparameters[3]);
        Assert.InRange(noise, 1e-6 * (1 - 1e-12), 1e-3);
    }
}
