using MLNetLlm.AutoML.Tuners;
using MLNetLlm.Tests;

namespace MLNetLlm.AutoML.Tests.Tuners;

/// <summary>
/// The forest's split rules that its reference test (an unbagged tree grown without a leaf limit, every coordinate a
/// candidate) cannot see, each against what its documentation says: which coordinates a node may split on, the order in
/// which leaves are split under the leaf limit, and no split between equal coordinate values; and two rules of SMAC's
/// local quadratic trend, when it takes cross terms and what its stationary point is in a coordinate without curvature.
/// </summary>
public sealed class ForestSplitRuleTests
{
    [Theory]
    [InlineData(0.8)]
    [InlineData(0.3)]
    public void EachCoordinateIsASplitCandidateWithTheGivenProbabilityAndANodeAlwaysHasOne(double fraction)
    {
        // y follows coordinate 0 only, so a node splits on coordinate 1 only when coordinate 0 is not a candidate:
        // P = (1 − f)·f (1 alone) + (1 − f)²·½ (neither drawn: one picked at random).
        var random = new Random(4);
        var x = Enumerable.Range(0, 40).Select(i => new[] { i / 40.0, random.NextDouble() }).ToArray();
        var y = x.Select(p => p[0]).ToArray();
        const int trees = 800;
        var forest = new RandomForestSurrogate(trees, leaves: 2, minLeaf: 1, seed: 9, baggingFraction: 1, featureFractionPerSplit: fraction);
        forest.Fit(x, y);
        int onSecond = 0;
        for (int t = 0; t < trees; t++)
        {
            Assert.Equal(2, forest.LeafCount(t)); // never a node without a candidate coordinate
            if (forest.LeafOf(t, [0.5, -1]) != forest.LeafOf(t, [0.5, 2])) onSecond++;
        }
        double expected = (1 - fraction) * fraction + (1 - fraction) * (1 - fraction) / 2;
        double sd = Math.Sqrt(expected * (1 - expected) / trees);
        Assert.InRange(onSecond / (double)trees, expected - 4 * sd, expected + 4 * sd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UnderTheLeafLimitTheLeafWhoseSplitGainsMostIsSplitNext(bool mirrored)
    {
        // After the root's split at ½, the right half's step (3) gains more than the left half's (1), although the left
        // half's losses are a hundred times larger: with three leaves only the right half is split again. Mirrored, the
        // half to split is the first one waiting, then the second.
        double At(double v) => mirrored ? 1 - v : v;
        var x = Enumerable.Range(0, 40).Select(i => new[] { (i + 0.5) / 40 }).ToArray();
        var y = x.Select(p => At(p[0]) < 0.25 ? 100.0 : At(p[0]) < 0.5 ? 101 : At(p[0]) < 0.75 ? 0 : 3).ToArray();
        var forest = new RandomForestSurrogate(1, leaves: 3, minLeaf: 1, seed: 1, baggingFraction: 1, featureFractionPerSplit: 1);
        forest.Fit(x, y);
        Assert.Equal(3, forest.LeafCount(0));
        Assert.Equal(forest.LeafOf(0, [At(0.1)]), forest.LeafOf(0, [At(0.4)]));
        AssertClose.Equal(100.5, forest.LeafValue(0, forest.LeafOf(0, [At(0.1)])), abs: 1e-12);
        AssertClose.Equal(0.0, forest.LeafValue(0, forest.LeafOf(0, [At(0.6)])), abs: 1e-12);
        AssertClose.Equal(3.0, forest.LeafValue(0, forest.LeafOf(0, [At(0.9)])), abs: 1e-12);
    }

    [Fact]
    public void NoSplitFallsBetweenEqualCoordinateValues()
    {
        // Two points at 0 (losses 0 and 10) and six at 1 (10 each): parting the two at 0 would gain most, but they have
        // the same coordinate, so the only split is midway between 0 and 1 and the point 0.3 falls with both of them.
        double[][] x = [[0], [0], [1], [1], [1], [1], [1], [1]];
        double[] y = [0, 10, 10, 10, 10, 10, 10, 10];
        var forest = new RandomForestSurrogate(1, leaves: 2, minLeaf: 1, seed: 1, baggingFraction: 1, featureFractionPerSplit: 1);
        forest.Fit(x, y);
        Assert.Equal(2, forest.LeafCount(0));
        AssertClose.Equal(5.0, forest.LeafValue(0, forest.LeafOf(0, [0.3])), abs: 1e-12);
        AssertClose.Equal(10.0, forest.LeafValue(0, forest.LeafOf(0, [0.7])), abs: 1e-12);
    }

    [Fact]
    public void InTwoCoordinatesCrossTermsStartAtTwelveNeighboursTwoPerCoefficient()
    {
        // 1 + 2·2 + 1 = 6 coefficients of the full quadratic in two coordinates: 12 points take the cross term, 11 do not.
        var random = new Random(2);
        var x = Enumerable.Range(0, 12).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToArray();
        var y = x.Select(p => (p[0] - 0.5) * (p[0] - 0.5) + (p[1] - 0.4) * (p[1] - 0.4) + 0.8 * (p[0] - 0.5) * (p[1] - 0.4)).ToArray();
        var trend = new LocalQuadraticTrend();
        trend.Fit(x, y);
        Assert.Single(trend.Cross);
        AssertClose.Equal(0.8, trend.Cross[0], abs: 2e-3); // the ridge (1e-6 of the weight) pulls it slightly to 0
        trend.Fit(x[..11], y[..11]);
        Assert.Empty(trend.Cross);
    }

    [Fact]
    public void ACoordinateWithoutCurvatureKeepsTheCentresValueInTheStationaryPoint()
    {
        // Every point has the second coordinate 0.3: its squared and linear terms are ridge-held zeros, and the
        // stationary point keeps the incumbent's 0.3 there instead of dividing 0 by 0.
        var x = Enumerable.Range(0, 8).Select(i => new[] { i / 8.0, 0.3 }).ToArray();
        var y = x.Select(p => (p[0] - 0.4) * (p[0] - 0.4)).ToArray();
        var trend = new LocalQuadraticTrend();
        trend.Fit(x, y);
        Assert.Empty(trend.Cross);
        Assert.Equal(0.0, trend.Curvature[1]);
        var stationary = trend.Stationary();
        AssertClose.Equal(0.4, stationary[0], abs: 1e-4); // the ridge again
        Assert.Equal(0.3, stationary[1]);
    }
}
