using MLNetLlm.AutoML.Tuners;
using MLNetLlm.Tests;

namespace MLNetLlm.AutoML.Tests.Tuners;

/// <summary>
/// SMAC's early surrogate: a Gaussian process on the residuals of the local quadratic trend, checked against its parts
/// built by hand, and for how it treats trials still running.
/// </summary>
public sealed class TrendGaussianProcessTests
{
    static double[][] Points(int n, int d, int seed, double width = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => width * rng.NextDouble()).ToArray()).ToArray();
    }

    [Fact]
    public void TheSurrogateIsTheTrendPlusAGaussianProcessOfItsResiduals()
    {
        var x = Points(14, 2, seed: 4);
        var y = x.Select(r => Math.Sin(5 * r[0]) + (r[1] - 0.4) * (r[1] - 0.4)).ToArray();
        var surrogate = new TrendGaussianProcess(2, useTrend: true);
        double incumbent = surrogate.Fit(x, y, [], new Random(7));

        // the same fit from its parts: the trend, then a warped-input GP on what it leaves, searched with the same
        // random numbers (a first search of 200 likelihood evaluations)
        var trend = new LocalQuadraticTrend();
        trend.Fit(x, y);
        var residuals = y.Select((v, i) => v - trend.Predict(x[i])).ToArray();
        var gp = new GaussianProcess(2, inputWarping: true);
        gp.OptimiseHyperparameters(x, residuals, new Random(7), 200);
        gp.Condition(x, residuals);

        foreach (var p in Points(12, 2, seed: 9).Concat(x))
        {
            var (m, v) = surrogate.Predict(p);
            var (gm, gv) = gp.Predict(p);
            AssertClose.Equal(trend.Predict(p) + gm, m, abs: 1e-12, rel: 1e-12, what: "mean");
            AssertClose.Equal(gv, v, abs: 1e-12, rel: 1e-12, what: "variance");
        }
        AssertClose.Equal(x.Min(p => trend.Predict(p) + gp.Predict(p).Mean), incumbent, abs: 1e-12, rel: 1e-12, what: "incumbent");
        Assert.Throws<ArgumentException>(() => surrogate.Fit([], [], [], new Random(1)));
        Assert.Throws<ArgumentException>(() => surrogate.Fit(x, [1.0], [], new Random(1)));
    }

    [Fact]
    public void WithoutTheTrendItIsTheGaussianProcessAlone()
    {
        var x = Points(10, 3, seed: 2);
        var y = x.Select(r => r[0] * r[1] - Math.Cos(3 * r[2])).ToArray();
        var surrogate = new TrendGaussianProcess(3, useTrend: false);
        surrogate.Fit(x, y, [], new Random(3));
        var gp = new GaussianProcess(3, inputWarping: true);
        gp.OptimiseHyperparameters(x, y, new Random(3), 200);
        gp.Condition(x, y);
        Assert.Null(surrogate.Trend);
        foreach (var p in Points(10, 3, seed: 5)) Assert.Equal(gp.Predict(p), surrogate.Predict(p));
    }

    [Fact]
    public void PendingPointsShrinkTheVarianceThereButLeaveTheMean()
    {
        var x = Points(9, 2, seed: 11);
        var y = x.Select(r => r[0] * r[0] + 2 * r[1]).ToArray();
        double[] far = [0.95, 0.05];
        var alone = new TrendGaussianProcess(2, useTrend: true);
        alone.Fit(x, y, [], new Random(1));
        var told = new TrendGaussianProcess(2, useTrend: true);
        told.Fit(x, y, [far], new Random(1));
        var (m0, v0) = alone.Predict(far);
        var (m1, v1) = told.Predict(far);
        AssertClose.Equal(m0, m1, abs: 1e-6, what: "mean at the pending point");
        Assert.True(v1 < 0.1 * v0, $"variance at the pending point {v1} (without it {v0})");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NullArgumentsAreRefusedByNameAndTargetsMustMatchThePoints(bool useTrend)
    {
        var x = Points(6, 2, seed: 1);
        var y = x.Select(r => r[0] + r[1]).ToArray();
        var surrogate = new TrendGaussianProcess(2, useTrend);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => surrogate.Fit(null!, y, [], new Random(1))).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentNullException>(() => surrogate.Fit(x, null!, [], new Random(1))).ParamName);
        Assert.Equal("pending", Assert.Throws<ArgumentNullException>(() => surrogate.Fit(x, y, null!, new Random(1))).ParamName);
        Assert.Equal("random", Assert.Throws<ArgumentNullException>(() => surrogate.Fit(x, y, [], null!)).ParamName);
        foreach (var (points, targets) in new[] { (Array.Empty<double[]>(), Array.Empty<double>()), (x, y[..^1]), (x[..^1], y) })
        {
            var e = Assert.Throws<ArgumentException>(() => surrogate.Fit(points, targets, [], new Random(1)));
            Assert.Equal("y", e.ParamName);
            Assert.StartsWith("Needs as many targets as points, at least one.", e.Message);
        }
        // nothing was fitted by the refused calls: the first accepted fit is still the thorough one
        surrogate.Fit(x, y, [], new Random(2));
        var gp = new GaussianProcess(2, inputWarping: true);
        var trend = new LocalQuadraticTrend();
        if (useTrend) trend.Fit(x, y);
        var residuals = y.Select((v, i) => v - (useTrend ? trend.Predict(x[i]) : 0)).ToArray();
        gp.OptimiseHyperparameters(x, residuals, new Random(2), 200);
        gp.Condition(x, residuals);
        foreach (var p in Points(5, 2, seed: 3))
            AssertClose.Equal(gp.Predict(p).Mean + (useTrend ? trend.Predict(p) : 0), surrogate.Predict(p).Mean, abs: 1e-12, rel: 1e-12, what: "mean");
    }

    [Fact]
    public void LaterFitsRefineTheLastFitsHyperparametersWithFiftyLikelihoodEvaluations()
    {
        // 8 results, then 12 (the first 8 and 4 more): the second fit warm-starts from the first fit's θ and searches
        // 50 evaluations, not another 200 from the defaults
        var x = Points(12, 2, seed: 21);
        var y = x.Select(r => Math.Sin(4 * r[0]) * r[1] + r[1] * r[1]).ToArray();
        var surrogate = new TrendGaussianProcess(2, useTrend: true);
        surrogate.Fit(x[..8], y[..8], [], new Random(5));
        surrogate.Fit(x, y, [], new Random(6));

        (GaussianProcess Gp, LocalQuadraticTrend Trend) Reference(int secondEvaluations)
        {
            var gp = new GaussianProcess(2, inputWarping: true);
            var early = new LocalQuadraticTrend();
            early.Fit(x[..8], y[..8]);
            gp.OptimiseHyperparameters(x[..8], y[..8].Select((v, i) => v - early.Predict(x[i])).ToArray(), new Random(5), 200);
            var trend = new LocalQuadraticTrend();
            trend.Fit(x, y);
            var residuals = y.Select((v, i) => v - trend.Predict(x[i])).ToArray();
            gp.OptimiseHyperparameters(x, residuals, new Random(6), secondEvaluations);
            gp.Condition(x, residuals);
            return (gp, trend);
        }

        var (refined, trend) = Reference(50);
        var (longer, _) = Reference(200);
        var probes = Points(10, 2, seed: 22);
        Assert.Contains(probes, p => Math.Abs(refined.Predict(p).Mean - longer.Predict(p).Mean) > 1e-6); // the test can tell 50 from 200
        foreach (var p in probes)
        {
            var (m, v) = surrogate.Predict(p);
            var (gm, gv) = refined.Predict(p);
            AssertClose.Equal(trend.Predict(p) + gm, m, abs: 1e-12, rel: 1e-12, what: "mean");
            AssertClose.Equal(gv, v, abs: 1e-12, rel: 1e-12, what: "variance");
        }
    }
}
