using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

/// <summary>
/// The loss transform's fallbacks and statistics worked out by hand: population skewness, the log shift's fallback to
/// the range, the standard deviation when the quartiles coincide, a single loss, no loss.
/// </summary>
public sealed class LossTransformEdgeCaseTests
{
    static void AllClose(double[] expected, double[] actual) =>
        Assert.Equal(expected, actual, (a, b) => Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(a)));

    [Fact]
    public void SkewnessIsTheThirdCentralMomentOverTheSecondToTheThreeHalves()
    {
        // [1, 2, 3, 10]: mean 4, deviations −3, −2, −1, 6; m2 = 50/4 = 12.5, m3 = 180/4 = 45
        Assert.Equal(45 / Math.Pow(12.5, 1.5), LossTransform.Skewness([1, 2, 3, 10]), 12);
        Assert.Equal(-45 / Math.Pow(12.5, 1.5), LossTransform.Skewness([-1, -2, -3, -10]), 12);
        Assert.Equal(0.0, LossTransform.Skewness([2, 2, 2])); // no spread: 0, not 0/0
    }

    [Fact]
    public void RightSkewedLossesAreLogWarpedOnlyWhenTheLogReducesTheSkewness()
    {
        // one outlier below and one above a plateau: skewness 2.42 raw, −0.19 after the log → log
        Assert.Equal(LossWarping.Log, LossTransform.Choose([0, 1, 1, 1, 1, 1, 1, 1, 10]));
        // two low outliers and one high: 1.73 raw, but the log (δ = 0.1) throws the low ones far out: −1.98 → none
        double[] y = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3];
        double raw = LossTransform.Skewness(y), logged = LossTransform.Skewness(LossTransform.Log(y));
        Assert.True(raw > 1 && Math.Abs(logged) > Math.Abs(raw), $"raw {raw}, log {logged}");
        Assert.Equal(LossWarping.None, LossTransform.Choose(y));
    }

    [Fact]
    public void WhenTheBestLossIsTheLowerQuartileTheLogShiftIsATenthOfTheRange()
    {
        // [1, 1, 1, 1, 2, 8]: q25 = min = 1, so δ = 0.1 × (8 − 1) = 0.7 and g = log(y − 1 + 0.7)
        var t = LossTransform.Fit([1, 1, 1, 1, 2, 8], LossWarping.Log);
        double a = Math.Log(0.7), b = Math.Log(1.7), c = Math.Log(7.7);
        // sorted g = a, a, a, a, b, c: median (h = 2.5) a, q25 a, q75 (h = 3.75) a + 0.75 (b − a)
        double scale = 0.75 * (b - a) / 1.349;
        AllClose([0, 0, 0, 0, (b - a) / scale, (c - a) / scale], t.Targets);
    }

    [Fact]
    public void WhenTheQuartilesCoincideTheScaleIsTheStandardDeviation()
    {
        // [2, 2, 2, 2, 2, 9]: both quartiles 2; mean 19/6, variance (5 × (7/6)² + (35/6)²)/6 = 1470/216
        double sd = Math.Sqrt(1470.0 / 216);
        AllClose([0, 0, 0, 0, 0, 7 / sd], LossTransform.Standardise([2, 2, 2, 2, 2, 9]));
        AllClose([0, 0, 0, 0, 0, 7 / sd], LossTransform.Fit([2, 2, 2, 2, 2, 9], LossWarping.None).Targets);
    }

    [Fact]
    public void ASingleLossIsCentredAndNoLossGivesNoTargets()
    {
        var one = LossTransform.Fit([5], LossWarping.Auto);
        Assert.Equal([0.0], one.Targets);
        Assert.Equal(0.0, one.FailedTarget);
        Assert.Equal(5.0, LossTransform.Quantile([5], 0.75));
        var none = LossTransform.Fit([], LossWarping.None);
        Assert.Empty(none.Targets);
        Assert.Equal(0.0, none.FailedTarget);
    }

    [Fact]
    public void NullLossesAndUnknownWarpingsAreRefusedByName()
    {
        Assert.Equal("losses", Assert.Throws<ArgumentNullException>(() => LossTransform.Fit(null!, LossWarping.None)).ParamName);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LossTransform.Fit([1, 2], (LossWarping)17));
        Assert.Equal("warping", e.ParamName);
        Assert.Contains("Unknown warping", e.Message);
    }
}
