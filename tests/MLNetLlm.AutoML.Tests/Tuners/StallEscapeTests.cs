using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

public sealed class StallEscapeTests
{
    static readonly double[] Design = [90, 100, 110, 120, 130, 140, 150, 160];

    [Fact]
    public void AHairThinImprovementIsAStallAndEscapesAlternateWithADoublingRadius()
    {
        var escape = new StallEscape(initialPoints: Design.Length, stallLimit: 3, tolerance: 0.05, firstRadius: 0.1, largestRadius: 0.5);
        foreach (var loss in Design) escape.Observe(loss);
        Assert.Null(escape.NextEscape()); // the design never counts as a stall
        // lower quartile 100 once 89.9 is in: a significant improvement must beat 90 − 0.05 × (100 − 90) = 89.5
        escape.Observe(89.9);
        Assert.Equal(1, escape.Stalled);
        Assert.Null(escape.NextEscape());
        escape.Observe(95);
        escape.Observe(96);
        Assert.Equal(3, escape.Stalled);
        var escapes = Enumerable.Range(0, 8).Select(_ => escape.NextEscape()).ToArray();
        Assert.Equal(new double?[] { 0.1, null, 0.2, null, 0.4, null, 0.5, null }, escapes);
    }

    [Fact]
    public void ASignificantImprovementEndsTheStallAndResetsTheRadius()
    {
        var escape = new StallEscape(initialPoints: Design.Length, stallLimit: 2, tolerance: 0.05, firstRadius: 0.1, largestRadius: 0.8);
        foreach (var loss in Design) escape.Observe(loss);
        escape.Observe(90); // no improvement
        escape.Observe(91);
        Assert.Equal((double?)0.1, escape.NextEscape());
        Assert.Null(escape.NextEscape());
        Assert.Equal((double?)0.2, escape.NextEscape());
        escape.Observe(80); // 10 below the best: far beyond 0.05 × (lower quartile − best)
        Assert.Equal(0, escape.Stalled);
        Assert.Equal(0.1, escape.Radius);
        Assert.Null(escape.NextEscape());
    }

    [Fact]
    public void BadSettingsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StallEscape(initialPoints: 4, stallLimit: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StallEscape(initialPoints: 4, tolerance: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StallEscape(initialPoints: 4, firstRadius: 0.5, largestRadius: 0.2));
    }
}
