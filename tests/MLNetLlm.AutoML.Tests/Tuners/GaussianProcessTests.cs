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
}
