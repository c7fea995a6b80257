using MLNetLlm.Numerics;

namespace MLNetLlm.Core.Tests.Numerics;

public sealed class StatisticsTests
{
    [Fact]
    public void MedianIsTheMiddleValueOrTheMeanOfTheTwoMiddleOnes()
    {
        Assert.Equal(3.0, Statistics.Median([5.0, 1.0, 3.0]));
        Assert.Equal(2.5, Statistics.Median([4.0, 1.0, 3.0, 2.0]));
        Assert.Equal(7.0, Statistics.Median([7.0]));
    }

    [Fact]
    public void MedianOfNoValuesIsAnError() =>
        Assert.Throws<ArgumentException>(() => Statistics.Median([]));
}
