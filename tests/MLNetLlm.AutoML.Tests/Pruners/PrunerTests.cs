using MLNetLlm.AutoML.Pruners;

namespace MLNetLlm.AutoML.Tests.Pruners;

public sealed class PrunerTests
{
    static IntermediateReport R(int trial, int step, double loss) => new(trial, step, loss);

    [Fact]
    public void MedianPrunesWorseThanTheMedianOnceEnoughTrialsReachedTheStep()
    {
        var pruner = new MedianPruner(warmupSteps: 0, minTrials: 3);
        var history = new[] { R(1, 1, 0.1), R(2, 1, 0.2), R(3, 1, 0.3), R(1, 2, 0.05) };
        Assert.True(pruner.ShouldPrune(4, 1, 0.25, history));
        Assert.False(pruner.ShouldPrune(4, 1, 0.15, history));
        Assert.False(pruner.ShouldPrune(4, 2, 9.0, history)); // only one other trial at step 2
        Assert.False(new MedianPruner(warmupSteps: 1).ShouldPrune(4, 1, 9.0, history));
    }

    [Fact]
    public void SuccessiveHalvingKeepsTheTopThirdAtEachRung()
    {
        var asha = new SuccessiveHalvingPruner(minStep: 1, reductionFactor: 3);
        Assert.True(asha.IsRung(1) && asha.IsRung(3) && asha.IsRung(9) && !asha.IsRung(2));
        var history = new[] { R(1, 1, 0.1), R(2, 1, 0.2), R(3, 1, 0.3), R(4, 1, 0.4), R(5, 1, 0.5) };
        // six trials at rung 1 with this one: the best two go on
        Assert.False(asha.ShouldPrune(6, 1, 0.15, history));
        Assert.True(asha.ShouldPrune(6, 1, 0.25, history));
        Assert.False(asha.ShouldPrune(6, 2, 99, history)); // not a rung
        Assert.False(asha.ShouldPrune(7, 1, 5.0, [])); // the first trial at a rung always goes on
    }
}
