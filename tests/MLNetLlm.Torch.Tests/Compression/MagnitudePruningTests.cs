using MLNetLlm.Torch.Compression.Pruning;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Compression;

public sealed class MagnitudePruningTests
{
    private static (string, Linear)[] Layers(int seed)
    {
        manual_seed(seed);
        return [("a", nn.Linear(8, 16)), ("b", nn.Linear(16, 4)), ("c", nn.Linear(16, 16))];
    }

    private static long Zeros(Linear l) => l.weight!.eq(0).sum().item<long>();

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.33)]
    public void GlobalPruningHitsExactSparsityAndRemovesTheSmallestWeights(double sparsity)
    {
        var layers = Layers(1);
        var before = layers.Select(l => l.Item2.weight!.detach().clone()).ToArray();
        var pruner = MagnitudePruner.Create(layers, PruningScope.Global);
        double achieved = pruner.Prune(sparsity);
        long total = layers.Sum(l => l.Item2.weight!.numel());
        Assert.Equal(Math.Floor(sparsity * total), layers.Sum(l => Zeros(l.Item2)));
        AssertClose.Equal(Math.Floor(sparsity * total) / total, achieved, abs: 1e-12);
        // Every removed weight was no larger in magnitude than every kept one.
        float maxRemoved = 0, minKept = float.MaxValue;
        for (int i = 0; i < layers.Length; i++)
        {
            var orig = before[i].abs().flatten().data<float>().ToArray();
            var now = layers[i].Item2.weight!.flatten().data<float>().ToArray();
            for (int j = 0; j < orig.Length; j++)
            {
                if (now[j] == 0) maxRemoved = Math.Max(maxRemoved, orig[j]);
                else { minKept = Math.Min(minKept, orig[j]); Assert.Equal(orig[j], Math.Abs(now[j])); }
            }
        }
        Assert.True(maxRemoved <= minKept, $"removed {maxRemoved} > kept {minKept}");
    }

    [Fact]
    public void PerLayerPruningGivesEveryMatrixTheSameSparsity()
    {
        var layers = Layers(2);
        var pruner = MagnitudePruner.Create(layers, PruningScope.PerLayer);
        pruner.Prune(0.75);
        foreach (var (name, l) in layers) Assert.Equal((long)Math.Floor(0.75 * l.weight!.numel()), Zeros(l));
        Assert.All(pruner.LayerSparsity().Values, s => AssertClose.Equal(0.75, s, abs: 1e-12));
    }

    [Fact]
    public void MasksKeepPrunedWeightsAtZeroAfterUpdatesAndOnlyGrow()
    {
        var layers = Layers(3);
        var pruner = MagnitudePruner.Create(layers, PruningScope.Global);
        pruner.Prune(0.3);
        var firstZeros = layers.Select(l => l.Item2.weight!.eq(0).clone()).ToArray();
        using (no_grad()) foreach (var (_, l) in layers) l.weight!.add_(randn(l.weight!.shape) * 0.5f); // an "optimizer step"
        pruner.ApplyMasks();
        for (int i = 0; i < layers.Length; i++)
            Assert.True(layers[i].Item2.weight!.masked_select(firstZeros[i]).eq(0).all().item<bool>());
        pruner.Prune(0.6);
        for (int i = 0; i < layers.Length; i++) // earlier zeros stay zero
            Assert.True(layers[i].Item2.weight!.masked_select(firstZeros[i]).eq(0).all().item<bool>());
        AssertClose.Equal(Math.Floor(0.6 * 448) / 448, pruner.Sparsity(), abs: 1e-12); // 8·16 + 16·4 + 16·16 = 448 weights
    }

    [Fact]
    public void ModuleOverloadSkipsClassifierAndPooler()
    {
        var model = nn.Sequential(("encoder", nn.Linear(4, 4)), ("pooler", nn.Linear(4, 4)), ("classifier", nn.Linear(4, 2)));
        var pruner = MagnitudePruner.Create(model);
        Assert.Equal(["encoder"], pruner.LayerNames);
        Assert.Throws<ArgumentOutOfRangeException>(() => pruner.Prune(1.0));
    }

    [Fact]
    public void CubicScheduleFollowsTheFormula()
    {
        var s = new GradualPruningSchedule(0.8, startStep: 10, endStep: 110, initialSparsity: 0, frequency: 10);
        Assert.Equal(0, s.SparsityAt(5));
        AssertClose.Equal(0, s.SparsityAt(10), abs: 1e-12);
        AssertClose.Equal(0.8 - 0.8 * Math.Pow(0.5, 3), s.SparsityAt(60), abs: 1e-12);
        Assert.Equal(0.8, s.SparsityAt(110));
        Assert.Equal(0.8, s.SparsityAt(500));
        for (int t = 0; t < 120; t++) Assert.True(s.SparsityAt(t + 1) >= s.SparsityAt(t));
        Assert.True(s.IsPruningStep(10) && s.IsPruningStep(20) && s.IsPruningStep(110));
        Assert.False(s.IsPruningStep(15) || s.IsPruningStep(9) || s.IsPruningStep(120));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradualPruningSchedule(0.5, 10, 10));
    }

    [Fact]
    public void GradualPrunerReachesTheTargetDuringTraining()
    {
        var layers = Layers(4);
        var pruner = new GradualPruner(MagnitudePruner.Create(layers), new GradualPruningSchedule(0.7, 0, 20, frequency: 4));
        double last = 0;
        for (int step = 0; step < 30; step++)
        {
            using (no_grad()) foreach (var (_, l) in layers) l.weight!.add_(randn(l.weight!.shape) * 0.01f);
            pruner.OnStepEnd(step);
            double now = MagnitudePruner.Create(layers).Sparsity();
            Assert.True(now >= last - 1e-12, $"step {step}: sparsity fell from {last} to {now}");
            last = now;
        }
        AssertClose.Equal(0.7, last, abs: 1e-2);
    }
}
