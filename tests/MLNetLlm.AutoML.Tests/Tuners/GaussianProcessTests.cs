using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

public sealed class GaussianProcessTests
{
    [Fact]
    public void InputWarpingStretchesTheEndWhereTheFunctionChangesFast()
    {
        // y = log(x + 0.002): steep near 0, nearly flat near 1 — one length scale fits it only after warping
        var x = Enumerable.Range(0, 25).Select(i => new[] { i / 24.0 }).ToArray();
        var y = x.Select(r => Math.Log(r[0] + 0.002)).ToArray();
        double mean = y.Average(), sd = Math.Sqrt(y.Select(v => (v - mean) * (v - mean)).Average());
        y = y.Select(v => (v - mean) / sd).ToArray();

        var warped = new GaussianProcess(1, inputWarping: true);
        warped.OptimiseHyperparameters(x, y, new Random(1), 400);
        var theta = warped.Hyperparameters;
        Assert.Equal(5, theta.Count); // log ℓ, log σf², log σn², log a, log b
        // a < 1 stretches the start of the range (Kumaraswamy 1 − (1 − x^a)^b)
        Assert.True(theta[3] < Math.Log(0.8), $"log a = {theta[3]}");

        // it predicts held-out points between the training points better than the unwarped GP
        var plain = new GaussianProcess(1);
        plain.OptimiseHyperparameters(x, y, new Random(1), 400);
        warped.Condition(x, y);
        plain.Condition(x, y);
        double Error(GaussianProcess gp) => Enumerable.Range(0, 24).Select(i => (i + 0.5) / 24).Sum(t =>
            Math.Abs(gp.Predict([t]).Mean - (Math.Log(t + 0.002) - mean) / sd));
        Assert.True(Error(warped) < Error(plain), $"warped {Error(warped)} vs plain {Error(plain)}");
    }

    [Fact]
    public void WithoutWarpingTheHyperparametersAreTheKernelsOnly()
    {
        var gp = new GaussianProcess(3);
        Assert.Equal(5, gp.Hyperparameters.Count);
        Assert.Equal(11, new GaussianProcess(3, inputWarping: true).Hyperparameters.Count);
    }

    [Fact]
    public void ForAnInterpolatingFitTheIncumbentIsTheLowestObservation()
    {
        // noise-free values, nine points well apart, the default kernel (noise variance 1e-4 of a unit signal)
        var x = Enumerable.Range(0, 9).Select(i => new[] { i / 8.0, (i * 5 % 9) / 8.0 }).ToArray();
        var y = x.Select(r => Math.Sin(5 * r[0]) + (r[1] - 0.3) * (r[1] - 0.3)).ToArray();
        var gp = new GaussianProcess(2);
        gp.Condition(x, y);
        var (value, index) = GaussianProcessTuner.Incumbent(gp, x);
        int lowest = Array.IndexOf(y, y.Min());
        Assert.Equal(lowest, index);
        Assert.Equal(gp.Predict(x[lowest]).Mean, value);
        Assert.InRange(value, y.Min() - 1e-3, y.Min() + 1e-3);
    }

    [Fact]
    public void ForANoisyFitTheIncumbentIsTheLowestPosteriorMeanNotTheLuckiestDraw()
    {
        // a bowl with its bottom at 0.7 seen through noise, three draws at each of twelve points (so no fit can
        // interpolate them), and one lucky draw far from the bottom (at 0.125)
        var rng = new Random(5);
        var x = Enumerable.Range(0, 36).Select(i => new[] { (i / 3 + 0.5) / 12 }).ToArray();
        var y = x.Select(r => 4 * (r[0] - 0.7) * (r[0] - 0.7) + 0.3 * Normal(rng)).ToArray();
        y[3] = y.Min() - 0.5;
        double mean = y.Average(), sd = Math.Sqrt(y.Select(v => (v - mean) * (v - mean)).Average());
        y = y.Select(v => (v - mean) / sd).ToArray();

        var gp = new GaussianProcess(1);
        gp.OptimiseHyperparameters(x, y, new Random(2), 400);
        Assert.True(gp.Hyperparameters[2] > Math.Log(0.01), $"fitted noise variance {Math.Exp(gp.Hyperparameters[2])}");
        gp.Condition(x, y);
        var (value, index) = GaussianProcessTuner.Incumbent(gp, x);
        // the incumbent is the smoothed bottom of the bowl, not the lucky draw, and lies well above that draw
        Assert.NotEqual(3, index);
        Assert.InRange(x[index][0], 0.55, 0.85);
        Assert.True(value > y[3] + 0.3, $"incumbent {value}, lowest observation {y[3]}");
        Assert.Equal(x.Min(p => gp.Predict(p).Mean), value);
    }

    [Fact]
    public void OnASeparableFunctionTheFitLeansOnTheAdditivePartAndPredictsUnseenCombinationsBetter()
    {
        // a ripple per coordinate (Rastrigin-like, 3 coordinates) from 24 random points, against a function of the
        // same coordinates that is not a sum (a product of the ripples)
        static double Ripple(double v) => Math.Cos(9 * v) + 2 * (v - 0.3) * (v - 0.3);
        static double Sum(double[] r) => r.Sum(Ripple);
        static double Product(double[] r) => r.Aggregate(1.0, (a, v) => a * Ripple(v));
        var rng = new Random(3);
        var x = Enumerable.Range(0, 24).Select(_ => new[] { rng.NextDouble(), rng.NextDouble(), rng.NextDouble() }).ToArray();
        var probes = Enumerable.Range(0, 200).Select(_ => new[] { rng.NextDouble(), rng.NextDouble(), rng.NextDouble() }).ToArray();

        (double Share, double Error) Fit(Func<double[], double> f, bool additive)
        {
            var y = x.Select(f).ToArray();
            double mean = y.Average(), sd = Math.Sqrt(y.Select(v => (v - mean) * (v - mean)).Average());
            var gp = new GaussianProcess(3, inputWarping: false, additive);
            gp.OptimiseHyperparameters(x, y.Select(v => (v - mean) / sd).ToArray(), new Random(1), 400);
            gp.Condition(x, y.Select(v => (v - mean) / sd).ToArray());
            double error = probes.Average(p => Math.Abs(gp.Predict(p).Mean * sd + mean - f(p))) / sd;
            return (additive ? 1 / (1 + Math.Exp(-gp.Hyperparameters[^1])) : 0, error);
        }

        var (sumShare, sumError) = Fit(Sum, additive: true);
        var (_, sumFullError) = Fit(Sum, additive: false);
        var (productShare, _) = Fit(Product, additive: true);
        Assert.True(sumShare > 0.5, $"additive share on the sum {sumShare}");
        Assert.True(sumError < 0.8 * sumFullError, $"mean error on unseen points: additive {sumError}, full {sumFullError}");
        Assert.True(productShare < sumShare, $"additive share on the product {productShare}, on the sum {sumShare}");
        Assert.True(productShare < 0.5, $"additive share on the product {productShare}: the fit turns it down from ½");
    }

    static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
