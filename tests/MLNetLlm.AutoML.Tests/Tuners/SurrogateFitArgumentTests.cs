using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

/// <summary>The SMAC surrogates refuse inputs they cannot fit, naming the argument, and the forest alone is a plain forest.</summary>
public sealed class SurrogateFitArgumentTests
{
    static readonly double[][] X = [[0.1, 0.2], [0.4, 0.9], [0.7, 0.3]];
    static readonly double[] Y = [1.0, 2.0, 0.5];

    public static TheoryData<string> Surrogates => new() { "forest", "trend" };

    static Action<double[][], double[]> FitOf(string surrogate) => surrogate == "forest"
        ? new RandomForestSurrogate(3, 8, 1, seed: 1).Fit
        : new LocalQuadraticTrend().Fit;

    [Theory]
    [MemberData(nameof(Surrogates))]
    public void MissingPointsOrTargetsAreRefusedByName(string surrogate)
    {
        var fit = FitOf(surrogate);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => fit(null!, Y)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentNullException>(() => fit(X, null!)).ParamName);
    }

    [Theory]
    [MemberData(nameof(Surrogates))]
    public void NoPointsOrAMismatchedTargetCountAreRefusedWithTheRule(string surrogate)
    {
        var fit = FitOf(surrogate);
        foreach (var (x, y) in new[] { (Array.Empty<double[]>(), Array.Empty<double>()), (X, Y[..2]), (X[..2], Y) })
        {
            var e = Assert.Throws<ArgumentException>(() => fit(x, y));
            Assert.Equal("y", e.ParamName);
            Assert.StartsWith("Needs as many targets as points, at least one.", e.Message);
        }
    }

    [Fact]
    public void WithoutTheTrendTheSurrogateIsTheForestOnTheRawTargets()
    {
        var rng = new Random(4);
        var x = Enumerable.Range(0, 30).Select(_ => new[] { rng.NextDouble(), rng.NextDouble() }).ToArray();
        var y = x.Select(r => Math.Sin(4 * r[0]) + 2 * r[1] * r[1]).ToArray();
        var plain = new RandomForestSurrogate(6, 16, 2, seed: 9);
        plain.Fit(x, y);
        var surrogate = new TrendForestSurrogate(new RandomForestSurrogate(6, 16, 2, seed: 9), useTrend: false);
        surrogate.Fit(x, y);
        for (int i = 0; i < 20; i++)
        {
            double[] at = [rng.NextDouble(), rng.NextDouble()];
            Assert.Equal(plain.Predict(at), surrogate.Predict(at));
        }
    }
}
