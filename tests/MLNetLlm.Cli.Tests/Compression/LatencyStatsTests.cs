using MLNetLlm.Cli.Compression;

namespace MLNetLlm.Cli.Tests.Compression;

/// <summary>The latency summary of compress: quartiles by hand, and a ratio only when the two series are apart.</summary>
public sealed class LatencyStatsTests
{
    [Fact]
    public void MedianQuartilesAndExtremesMatchHandComputedValues()
    {
        // sorted: 1 2 3 4 10 → median 3; Q1 at 1.0 → 2; Q3 at 3.0 → 4 (linear interpolation on positions 0..4)
        var s = LatencyStats.From([10, 2, 4, 1, 3], warmUp: 3);
        Assert.Equal((5, 3, 3.0, 2.0, 4.0, 1.0, 10.0), (s.Runs, s.WarmUp, s.Median, s.Q1, s.Q3, s.Min, s.Max));
        // even count: 1 2 3 4 → median 2.5, Q1 at 0.75 → 1.75, Q3 at 2.25 → 3.25
        var e = LatencyStats.From([4, 3, 2, 1], warmUp: 0);
        Assert.Equal((2.5, 1.75, 3.25), (e.Median, e.Q1, e.Q3));
    }

    [Fact]
    public void ARatioIsPrintedOnlyWhenTheInterquartileRangesAreApart()
    {
        var slow = LatencyStats.From([100, 110, 120, 130, 140], 3);   // IQR 110–130
        var fast = LatencyStats.From([40, 50, 60, 70, 80], 3);        // IQR 50–70
        Assert.Equal("2.00× faster", LatencyStats.Change(slow, fast));
        Assert.Equal("2.00× slower", LatencyStats.Change(fast, slow));

        var noisy = LatencyStats.From([20, 60, 115, 300, 900], 3);    // IQR 60–300 overlaps 110–130
        Assert.Equal("no clear difference (IQRs overlap)", LatencyStats.Change(slow, noisy));
        Assert.Equal("120.0 ms (IQR 110.0 ms–130.0 ms)", slow.ToString());
    }
}
