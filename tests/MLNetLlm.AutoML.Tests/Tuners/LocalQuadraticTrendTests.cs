using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

public sealed class LocalQuadraticTrendTests
{
    static readonly double[] Minimiser = [0.3, 0.7, 0.55];

    // a separable bowl with different curvatures per coordinate
    static double Bowl(double[] x) => 2 + 3 * Math.Pow(x[0] - 0.3, 2) + 8 * Math.Pow(x[1] - 0.7, 2) + 0.5 * Math.Pow(x[2] - 0.55, 2);

    static double[][] Points(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => new[] { rng.NextDouble(), rng.NextDouble(), rng.NextDouble() }).ToArray();
    }

    [Fact]
    public void RecoversAKnownQuadraticsMinimiserFromNoiselessSamples()
    {
        var x = Points(20, 5);
        var trend = new LocalQuadraticTrend();
        trend.Fit(x, x.Select(Bowl).ToArray());

        var stationary = trend.Stationary();
        for (int j = 0; j < 3; j++) Assert.InRange(stationary[j], Minimiser[j] - 0.01, Minimiser[j] + 0.01);
        Assert.InRange(trend.Curvature[0], 2.9, 3.1);
        Assert.InRange(trend.Curvature[1], 7.9, 8.1);
        Assert.InRange(trend.Curvature[2], 0.45, 0.55);
    }

    // a bowl whose axes are turned against the coordinates: 3u² + 8v² + 4uv with u = x − 0.3, v = y − 0.7
    static double TurnedBowl(double[] x) => 2 + 3 * Math.Pow(x[0] - 0.3, 2) + 8 * Math.Pow(x[1] - 0.7, 2) + 4 * (x[0] - 0.3) * (x[1] - 0.7);

    [Fact]
    public void InTwoCoordinatesTheFullQuadraticRecoversATurnedBowl()
    {
        var rng = new Random(8);
        var x = Enumerable.Range(0, 20).Select(_ => new[] { rng.NextDouble(), rng.NextDouble() }).ToArray();
        var trend = new LocalQuadraticTrend();
        trend.Fit(x, x.Select(TurnedBowl).ToArray());

        // 14 neighbours, 6 coefficients: the cross term is fitted (2 points per coefficient)
        Assert.Single(trend.Cross);
        AssertClose.Equal(4, trend.Cross[0], rel: 0.01, what: "cross term"); // the tiny ridge shrinks the coefficients by ~1e-4
        AssertClose.Equal(3, trend.Curvature[0], rel: 0.01, what: "curvature x");
        AssertClose.Equal(8, trend.Curvature[1], rel: 0.01, what: "curvature y");
        var stationary = trend.Stationary();
        AssertClose.Equal(0.3, stationary[0], abs: 0.01, what: "minimiser x");
        AssertClose.Equal(0.7, stationary[1], abs: 0.01, what: "minimiser y");
    }

    [Fact]
    public void InThreeCoordinatesFourteenNeighboursAreTooFewForCrossTerms()
    {
        var x = Points(20, 5);
        var trend = new LocalQuadraticTrend();
        trend.Fit(x, x.Select(Bowl).ToArray());
        Assert.Empty(trend.Cross); // the full quadratic has 10 coefficients: 20 points would be needed
    }

    [Fact]
    public void OnlyTheNeighboursNearestTheIncumbentShapeTheTrend()
    {
        // Neighbours (14) points on a turned bowl round its minimiser (one of them the minimiser itself, the incumbent),
        // and eight farther ones on a plateau of 100: the fit sees the 14 only — it is the fit to those 14 alone, and
        // recovers the bowl; one more point in the fit would be a plateau point and bend every coefficient
        var rng = new Random(3);
        double[] m = [0.45, 0.52];
        double Turned(double[] p) => 3 * (p[0] - m[0]) * (p[0] - m[0]) + 5 * (p[1] - m[1]) * (p[1] - m[1]) + 2 * (p[0] - m[0]) * (p[1] - m[1]);
        double[] Around(double r) { double a = 2 * Math.PI * rng.NextDouble(); return [m[0] + r * Math.Cos(a), m[1] + r * Math.Sin(a)]; }
        int k = LocalQuadraticTrend.Neighbours;
        var near = Enumerable.Range(0, k - 1).Select(_ => Around(0.2 + 0.2 * rng.NextDouble())).Prepend(m).ToArray();
        var far = Enumerable.Range(0, 8).Select(_ => Around(0.8 + 0.2 * rng.NextDouble())).ToArray();
        var x = near.Concat(far).ToArray();
        var y = x.Select((p, i) => i < k ? Turned(p) : 100).ToArray();
        var trend = new LocalQuadraticTrend();
        trend.Fit(x, y);
        var alone = new LocalQuadraticTrend();
        alone.Fit(near, near.Select(Turned).ToArray());

        Assert.Single(trend.Cross);
        AssertClose.All(alone.Curvature.Concat(alone.Cross).Concat(alone.Linear), trend.Curvature.Concat(trend.Cross).Concat(trend.Linear),
            abs: 1e-9, rel: 1e-9, what: "the fit with the plateau points vs the fit to the 14 alone");
        // the tiny ridge shrinks the coefficients a little
        AssertClose.Equal(2, trend.Cross[0], rel: 0.02, what: "cross term");
        AssertClose.Equal(3, trend.Curvature[0], rel: 0.02, what: "curvature x");
        AssertClose.Equal(5, trend.Curvature[1], rel: 0.02, what: "curvature y");
        AssertClose.All([0.0, 0.0], trend.Linear, abs: 0.02, what: "slope at the minimiser");
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void TheSurrogatePredictsObservedLossesAndBelowTheBestSeenDownhill()
    {
        // samples of the bowl only on one side of its minimum: a forest alone can never predict below the best seen
        var x = Points(30, 11).Select(p => new[] { 0.5 + 0.5 * p[0], 0.5 + 0.5 * p[1], p[2] }).ToArray();
        var y = x.Select(Bowl).ToArray();
        var surrogate = new TrendForestSurrogate(new RandomForestSurrogate(24, leaves: 64, minLeaf: 1, seed: 2), useTrend: true);
        surrogate.Fit(x, y);

        double spread = y.Max() - y.Min();
        var errors = x.Select((p, i) => Math.Abs(surrogate.Predict(p).Mean - y[i])).ToArray();
        Assert.True(errors.Max() < 0.2 * spread, $"largest error {errors.Max()} of a spread {spread}");
        Assert.True(errors.Average() < 0.05 * spread, $"mean error {errors.Average()} of a spread {spread}");

        int best = Array.IndexOf(y, y.Min());
        // a step a quarter of the way to the minimiser: inside the trend's fade-out (LocalQuadraticTrend.BlendScale)
        var downhill = x[best].Select((v, j) => v + 0.25 * (Minimiser[j] - v)).ToArray();
        Assert.True(Bowl(downhill) < y.Min());
        Assert.True(surrogate.Predict(downhill).Mean < y.Min(), "the trend should predict below the best observed loss downhill");

        var forestOnly = new TrendForestSurrogate(new RandomForestSurrogate(24, leaves: 64, minLeaf: 1, seed: 2), useTrend: false);
        forestOnly.Fit(x, y);
        Assert.True(forestOnly.Predict(downhill).Mean >= y.Min() - 1e-6);
    }
}
