using Xunit.Sdk;

namespace MLNetLlm.Core.Tests.Testing;

/// <summary>The shared tolerance assert (tests/Shared/AssertClose.cs) that replaces xunit's rounding <c>Assert.Equal(a, b, digits)</c>.</summary>
public sealed class AssertCloseTests
{
    [Fact]
    public void ValuesAcrossARoundingBoundaryAreCloseWhereRoundingCallsThemDifferent()
    {
        // 2e-7 apart, on either side of 0.12345: rounding to 4 digits gives 0.1234 and 0.1235.
        Assert.ThrowsAny<XunitException>(() => Assert.Equal(0.1234499, 0.1234501, 4));
        AssertClose.Equal(0.1234499, 0.1234501, abs: 1e-6);
    }

    [Theory]
    [InlineData(1.0, 1.0 + 0.9e-6, 1e-6, 0, true)]
    [InlineData(1.0, 1.0 + 1.1e-6, 1e-6, 0, false)]
    [InlineData(1000.0, 1000.0009, 0, 1e-6, true)]
    [InlineData(1000.0, 1000.0011, 0, 1e-6, false)]
    [InlineData(1000.0, 1000.0015, 1e-3, 1e-6, true)] // abs + rel·|expected| = 2e-3
    [InlineData(-2.0, -2.0000015, 0, 1e-6, true)]
    [InlineData(-2.0, -2.0000025, 0, 1e-6, false)]
    [InlineData(double.NaN, double.NaN, 1e-6, 0, true)]
    [InlineData(double.NaN, 0.0, 1e-6, 0, false)]
    [InlineData(0.0, double.NaN, 1e-6, 0, false)]
    [InlineData(double.PositiveInfinity, double.PositiveInfinity, 1e-6, 0, true)]
    [InlineData(double.PositiveInfinity, double.MaxValue, 1e-6, 1, false)]
    public void TheBoundIsAbsPlusRelTimesExpected(double expected, double actual, double abs, double rel, bool close)
    {
        Assert.Equal(close, AssertClose.IsClose(expected, actual, abs, rel));
        if (close) AssertClose.Equal(expected, actual, abs, rel);
        else Assert.ThrowsAny<XunitException>(() => AssertClose.Equal(expected, actual, abs, rel));
    }

    [Fact]
    public void ElementWiseFailureNamesTheWorstElementAndTheCount()
    {
        var e = Assert.ThrowsAny<XunitException>(() =>
            AssertClose.All(new[] { 1.0, 2.0, 3.0, 4.0 }, new[] { 1.0, 2.01, 3.0, 4.5 }, abs: 1e-3, what: "logits"));
        Assert.Contains("2 of 4", e.Message);
        Assert.Contains("logits[3]", e.Message);
        Assert.ThrowsAny<XunitException>(() => AssertClose.All(new[] { 1f, 2f }, new[] { 1f }, abs: 1));
        AssertClose.All(new[] { 1f, 2f }, new[] { 1f, 2.0000005f }, abs: 1e-6);
    }

    [Fact]
    public void ZeroOrNegativeTolerancesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => AssertClose.Equal(1, 1));
        Assert.Throws<ArgumentException>(() => AssertClose.Equal(1, 1, abs: -1, rel: 1));
        Assert.Throws<ArgumentException>(() => AssertClose.Equal(1, 1, abs: double.NaN));
    }
}
