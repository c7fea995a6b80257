using MathNet.Numerics.Distributions;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

public sealed class LossTransformTests
{
    static bool SameOrder(double[] a, double[] b)
    {
        for (int i = 0; i < a.Length; i++)
            for (int j = 0; j < a.Length; j++)
                if (Math.Sign(a[i] - a[j]) != Math.Sign(b[i] - b[j])) return false;
        return true;
    }

    [Fact]
    public void LossesSpanningSixOrdersOfMagnitudeAreLogWarpedAndKeepTheirOrder()
    {
        var rng = new Random(5);
        var losses = Enumerable.Range(0, 40).Select(_ => Math.Pow(10, 6 * rng.NextDouble())).ToArray();
        var auto = LossTransform.Fit(losses, LossWarping.Auto);
        var none = LossTransform.Fit(losses, LossWarping.None);

        Assert.Equal(LossWarping.Log, auto.Applied);
        Assert.True(SameOrder(losses, auto.Targets));
        // unwarped, the largest losses sit hundreds of interquartile ranges above the median and flatten the rest
        Assert.True(none.Targets.Max() > 5 * auto.Targets.Max(), $"{none.Targets.Max()} vs {auto.Targets.Max()}");
        Assert.InRange(auto.Targets.Max(), 0.5, 5);
        // warped, the best loss is clearly separated from the median instead of squeezed against it
        Assert.True(auto.Targets.Min() < -0.6, $"best target {auto.Targets.Min()}");
        Assert.True(none.Targets.Min() > -0.2, $"unwarped best target {none.Targets.Min()}");
    }

    [Fact]
    public void SymmetricOrLeftSkewedLossesAreOnlyStandardisedRobustly()
    {
        var rng = new Random(2);
        var normal = Enumerable.Range(0, 50).Select(_ => Normal.Sample(rng, 3, 2)).ToArray();
        Assert.Equal(LossWarping.None, LossTransform.Fit(normal, LossWarping.Auto).Applied);
        // a few very good values (a Hartmann-like lower tail) are not warped: they are what the model must see
        var leftTail = Enumerable.Range(0, 30).Select(i => i < 3 ? -3.0 + 0.1 * i : -0.1 * rng.NextDouble()).ToArray();
        Assert.Equal(LossWarping.None, LossTransform.Fit(leftTail, LossWarping.Auto).Applied);

        // by hand: [1, 2, 3, 4, 100] → median 3, quartiles 2 and 4 (linear interpolation), scale 2 / 1.349
        var t = LossTransform.Fit([4, 1, 100, 3, 2], LossWarping.None);
        double s = 2 / 1.349;
        Assert.Equal(new[] { 1 / s, -2 / s, 97 / s, 0, -1 / s }, t.Targets, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void LogWarpingShiftsByATenthOfTheGapToTheLowerQuartile()
    {
        // min 1, lower quartile 2 → δ = 0.1; targets log(y − 1 + 0.1), centred on the median and scaled by the IQR
        var t = LossTransform.Fit([1, 2, 3, 5, 100], LossWarping.Log);
        var g = new[] { 0.1, 1.1, 2.1, 4.1, 99.1 }.Select(v => Math.Log(v)).ToArray();
        double scale = (g[3] - g[1]) / 1.349;
        Assert.Equal(g.Select(v => (v - g[2]) / scale).ToArray(), t.Targets, (a, b) => Math.Abs(a - b) < 1e-12);
        // ties at the best loss: the shift falls back to the range, never log(0)
        Assert.All(LossTransform.Fit([0, 0, 0, 0, 7], LossWarping.Log).Targets, v => Assert.True(double.IsFinite(v)));
        Assert.All(LossTransform.Fit([2, 2, 2], LossWarping.Log).Targets, v => Assert.Equal(0, v));
    }

    [Fact]
    public void RankWarpingGivesNormalScoresWithTiesSharingTheirMeanRank()
    {
        var t = LossTransform.Fit([50, 1e-3, 7, 7], LossWarping.Rank);
        // ranks 4, 1, 2.5, 2.5 → Φ⁻¹(0.875), Φ⁻¹(0.125), Φ⁻¹(0.5), Φ⁻¹(0.5), i.e. ±1.1503 and 0, then robust scaling
        Assert.Equal(t.Targets[2], t.Targets[3]);
        Assert.Equal(0, t.Targets[2], 12);
        Assert.Equal(-t.Targets[0], t.Targets[1], 12);
        double z = Normal.InvCDF(0, 1, 0.875);
        Assert.Equal(1.150349380376, z, 9);
        // quartiles of [-z, 0, 0, z] (type 7): -z/4 and z/4, so the scale is (z/2)/1.349 and the best scores -2·1.349
        Assert.Equal(-2 * 1.349, t.Targets[1], 9);
        // only the order counts: any increasing map of the losses gives the same targets
        var u = LossTransform.Fit([Math.Exp(50), Math.Exp(1e-3), Math.Exp(7), Math.Exp(7)], LossWarping.Rank);
        Assert.Equal(t.Targets, u.Targets);
    }

    [Fact]
    public void FailedTrialsAreImputedAsTheWorstTargetSeenAndNonFiniteLossesAreRefused()
    {
        var t = LossTransform.Fit([3, 1e5, 8, 2, 40], LossWarping.Auto);
        Assert.Equal(t.Targets.Max(), t.FailedTarget);
        Assert.Equal(t.Targets[1], t.FailedTarget);
        Assert.Contains("report such trials as failed", Assert.Throws<ArgumentException>(() => LossTransform.Fit([1, double.NaN], LossWarping.None)).Message);
    }

    [Theory]
    [InlineData("gp")]
    [InlineData("smac")]
    public void TunersTreatNonFiniteLossesAsFailuresAndFitWarpedLosses(string name)
    {
        var space = new SearchSpace { ["x"] = new UniformDoubleOption(0, 1), ["y"] = new UniformDoubleOption(0, 1) };
        ModelBasedTuner tuner = name == "gp" ? new GaussianProcessTuner(space, 3) : new SmacTuner(space, 3, warping: LossWarping.Auto);
        for (int i = 1; i <= 16; i++)
        {
            var s = new TrialSettings { TrialId = i };
            s.Parameter = tuner.Propose(s);
            double x = s.Parameter["x"].AsDouble(), y = s.Parameter["y"].AsDouble();
            // a loss spanning 1 … 1e6, infinite in one corner (e.g. a diverged training)
            double loss = x > 0.9 && y > 0.9 ? double.PositiveInfinity : Math.Pow(10, 6 * (x * x + y * y) / 2);
            if (i == 4) loss = double.NaN;
            tuner.Update(new TrialResult { TrialSettings = s, Metric = loss, Loss = loss });
        }
        Assert.Equal(16, tuner.ObservationCount);
        Assert.Equal(LossWarping.Log, tuner.LastWarping);
    }

    [Fact]
    public void UnknownWarpingsAreRejected()
    {
        var space = new SearchSpace { ["x"] = new UniformDoubleOption(0, 1) };
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianProcessTuner(space, warping: (LossWarping)17));
        Assert.Throws<ArgumentOutOfRangeException>(() => LossTransform.Fit([1, 2], (LossWarping)17));
    }
}
