using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

/// <summary>SMAC models with a Gaussian process (the local quadratic trend as its mean) while results are few, then with the forest.</summary>
public sealed class SmacGaussianProcessPhaseTests
{
    static SearchSpace Box(int d)
    {
        var space = new SearchSpace();
        for (int i = 0; i < d; i++) space[$"x{i}"] = new UniformDoubleOption(0, 1);
        return space;
    }

    /// <summary>The six-hump camel function on the unit square (rescaled to its usual box [-3, 3] × [-2, 2]); minimum −1.0316285.</summary>
    static double Camel(Parameter p)
    {
        double x = -3 + 6 * p["x0"].AsDouble(), y = -2 + 4 * p["x1"].AsDouble();
        return (4 - 2.1 * x * x + x * x * x * x / 3) * x * x + x * y + (-4 + 4 * y * y) * y * y;
    }

    /// <summary>Branin on the unit square (rescaled to its usual box [-5, 10] × [0, 15]); minimum 0.397887.</summary>
    static double Branin(Parameter p)
    {
        double x = -5 + 15 * p["x0"].AsDouble(), y = 15 * p["x1"].AsDouble();
        double t = y - 5.1 / (4 * Math.PI * Math.PI) * x * x + 5 / Math.PI * x - 6;
        return t * t + 10 * (1 - 1 / (8 * Math.PI)) * Math.Cos(x) + 10;
    }

    static double Run(SmacTuner tuner, Func<Parameter, double> objective, int trials, Action<int>? beforeEach = null)
    {
        double best = double.PositiveInfinity;
        for (int i = 1; i <= trials; i++)
        {
            beforeEach?.Invoke(i);
            var s = new TrialSettings { TrialId = i };
            s.Parameter = tuner.Propose(s);
            double loss = objective(s.Parameter);
            best = Math.Min(best, loss);
            tuner.Update(new TrialResult { TrialSettings = s, Metric = loss, Loss = loss });
        }
        return best;
    }

    [Fact]
    public void TheGaussianProcessModelsUntilTwentyResultsAreInThenTheForest()
    {
        var tuner = new SmacTuner(Box(2), seed: 1);
        Assert.Equal(SmacTuner.DefaultGaussianProcessUntil, tuner.GaussianProcessUntil);
        var phase = new List<bool>();
        Run(tuner, Branin, 24, _ => phase.Add(tuner.UsesGaussianProcess));
        // proposal i is made with i − 1 results in
        Assert.Equal(Enumerable.Range(0, 24).Select(n => n < 20), phase);
        Assert.False(new SmacTuner(Box(2), gaussianProcessUntil: 0).UsesGaussianProcess);
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void OnASmoothFunctionTheGaussianProcessFindsLowerLossesInTwentyTrialsThanTheForest()
    {
        // the same seeds (the same Latin hypercube of five points), then 15 proposals from either surrogate
        double LogRegret(int until) => Enumerable.Range(0, 8)
            .Select(seed => Math.Log(Run(new SmacTuner(Box(2), seed, gaussianProcessUntil: until), Camel, 20) + 1.0316284534898774))
            .Average();
        double gp = LogRegret(SmacTuner.DefaultGaussianProcessUntil), forest = LogRegret(0);
        Assert.True(gp < forest - Math.Log(2), $"geometric mean regret: Gaussian process {Math.Exp(gp)}, forest {Math.Exp(forest)}");
    }
}
