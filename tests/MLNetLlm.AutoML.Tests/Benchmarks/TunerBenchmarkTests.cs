using MLNetLlm.AutoML.Benchmarks;

namespace MLNetLlm.AutoML.Tests.Benchmarks;

public sealed class TunerBenchmarkTests
{
    [Fact]
    public void FunctionsHaveTheirKnownMinimaAtTheKnownPoints()
    {
        AssertClose.Equal(BenchmarkFunction.Branin.Minimum, BenchmarkFunction.Branin.Evaluate([Math.PI, 2.275]), abs: 1e-6);
        AssertClose.Equal(BenchmarkFunction.Branin.Minimum, BenchmarkFunction.Branin.Evaluate([-Math.PI, 12.275]), abs: 1e-6);
        AssertClose.Equal(BenchmarkFunction.Hartmann6.Minimum, BenchmarkFunction.Hartmann6.Evaluate([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]), abs: 1e-4);
        AssertClose.Equal(0, BenchmarkFunction.Levy10.Evaluate(Enumerable.Repeat(1.0, 10).ToArray()), abs: 1e-12);
        Assert.True(BenchmarkFunction.Levy10.Evaluate(Enumerable.Repeat(0.0, 10).ToArray()) > 0.1);
    }

    [Fact]
    public void RegretNeverIncreasesAndRandomSeedsDiffer()
    {
        var a = TunerBenchmark.RunOnce(BenchmarkFunction.Branin, "random", 0, 40, [10, 20, 40]);
        var b = TunerBenchmark.RunOnce(BenchmarkFunction.Branin, "random", 1, 40, [10, 20, 40]);
        Assert.True(a[0] >= a[1] && a[1] >= a[2] && a[2] >= 0);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void GaussianProcessBeatsRandomSearchOnBraninWithTheSameBudget()
    {
        // one seed, small budget: a smoke test of the model, not the benchmark (that is docs/benchmarks.md)
        double gp = TunerBenchmark.RunOnce(BenchmarkFunction.Branin, "gp", 0, 25, [25])[0];
        double random = TunerBenchmark.RunOnce(BenchmarkFunction.Branin, "random", 0, 25, [25])[0];
        Assert.True(gp < random, $"GP regret {gp} vs random {random}");
    }

    [Fact]
    public void FirstSeedShiftsTheSeedSet()
    {
        // one seed from seed 3: the table's median is that seed's own regret, and it differs from seed 0's
        string table = TunerBenchmark.Run(["branin"], ["random"], 1, [10], 1, firstSeed: 3);
        double seed3 = TunerBenchmark.RunOnce(BenchmarkFunction.Branin, "random", 3, 10, [10])[0];
        double seed0 = TunerBenchmark.RunOnce(BenchmarkFunction.Branin, "random", 0, 10, [10])[0];
        Assert.NotEqual(seed0, seed3);
        Assert.Contains($"| Branin | 10 | {seed3.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)} |", table);
        Assert.Throws<ArgumentOutOfRangeException>(() => TunerBenchmark.Run(["branin"], ["random"], 1, [10], 1, firstSeed: -1));
    }

    [Fact]
    public void PerSeedRowsListEverySeedsRegretInSeedOrder()
    {
        string table = TunerBenchmark.Run(["branin"], ["random"], 3, [5, 10], 1, firstSeed: 4, perSeed: true);
        string Row(int budget) => string.Join(" ", Enumerable.Range(4, 3).Select(s =>
            TunerBenchmark.RunOnce(BenchmarkFunction.Branin, "random", s, budget, [budget])[0].ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("Regret per seed (4..6)", table);
        Assert.Contains($"| Branin | Random | 5 | {Row(5)} |", table);
        Assert.Contains($"| Branin | Random | 10 | {Row(10)} |", table);
        Assert.DoesNotContain("Regret per seed", TunerBenchmark.Run(["branin"], ["random"], 1, [5], 1));
    }

    [Fact]
    public void UnknownNamesAreRejected()
    {
        Assert.Contains("known: branin", Assert.Throws<ArgumentException>(() => BenchmarkFunction.FromName("sphere")).Message);
        Assert.Contains("Unknown tuner 'anneal'", Assert.Throws<ArgumentException>(() => TunerBenchmark.Run(["branin"], ["anneal"], 1, [5], 1)).Message);
    }
}
