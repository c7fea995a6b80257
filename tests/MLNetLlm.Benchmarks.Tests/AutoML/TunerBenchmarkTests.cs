using MLNetLlm.Benchmarks.AutoML;

namespace MLNetLlm.Benchmarks.Tests.AutoML;

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
        string v = seed3.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"| Branin | 10 | {v} ({v}–{v}) |", table);
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
        Assert.Contains("known: branin", Assert.Throws<ArgumentException>(() => TunerBenchmark.Run(["sphere"], ["random"], 1, [5], 1)).Message);
        Assert.Contains("Unknown tuner 'anneal'", Assert.Throws<ArgumentException>(() => TunerBenchmark.Run(["branin"], ["anneal"], 1, [5], 1)).Message);
    }

    [Fact]
    public void EveryFunctionHasItsKnownMinimumAtItsKnownPointAndNothingLowerNearby()
    {
        var known = new (BenchmarkFunction F, double[] X)[]
        {
            (BenchmarkFunction.SixHumpCamel, [0.0898, -0.7126]), (BenchmarkFunction.GoldsteinPrice, [0, -1]),
            (BenchmarkFunction.Rosenbrock4, [1, 1, 1, 1]), (BenchmarkFunction.Ackley5, new double[5]),
            (BenchmarkFunction.Beale, [3, 0.5]), (BenchmarkFunction.Hartmann3, [0.114589, 0.555649, 0.852547]),
            (BenchmarkFunction.Colville, [1, 1, 1, 1]), (BenchmarkFunction.Shekel10, [4.00075, 3.99951, 4.00075, 3.99951]),
            (BenchmarkFunction.StyblinskiTang5, Enumerable.Repeat(-2.903534, 5).ToArray()),
            (BenchmarkFunction.Schwefel4, Enumerable.Repeat(420.968746, 4).ToArray()), (BenchmarkFunction.Rastrigin4, new double[4]),
        };
        var rng = new Random(1);
        foreach (var (f, x) in known)
        {
            Assert.Equal(f.Minimum, f.Evaluate(x), 4);
            // a cloud of nearby points is never more than rounding below the stated minimum
            for (int k = 0; k < 200; k++)
            {
                var y = x.Select((v, i) => Math.Clamp(v + 1e-3 * (f.Upper[i] - f.Lower[i]) * (rng.NextDouble() - 0.5), f.Lower[i], f.Upper[i])).ToArray();
                Assert.True(f.Evaluate(y) >= f.Minimum - 1e-9, $"{f.Name} is below its minimum at ({string.Join(", ", y)})");
            }
        }
        // the wide-range functions really span orders of magnitude over their boxes
        Assert.True(BenchmarkFunction.GoldsteinPrice.Evaluate([-2, 2]) > 1e5);
        Assert.True(BenchmarkFunction.Colville.Evaluate([10, -10, 10, -10]) > 1e6);
        Assert.True(BenchmarkFunction.Beale.Evaluate([-4.5, -4.5]) > 1e5);
    }

    [Fact]
    public void TheSuiteSplitsIntoTwoDisjointHalvesWithTheirGroupNames()
    {
        Assert.Equal(7, BenchmarkFunction.Screening.Count);
        Assert.Equal(7, BenchmarkFunction.HeldOut.Count);
        Assert.Empty(BenchmarkFunction.Screening.Intersect(BenchmarkFunction.HeldOut));
        Assert.Equal(BenchmarkFunction.HeldOut, BenchmarkFunction.Expand(["heldout"]));
        Assert.Equal(14, BenchmarkFunction.Expand(["all", "branin"]).Count);
        Assert.Equal("held-out", BenchmarkFunction.HalfOf("Shekel-10"));
        Assert.Equal("screening", BenchmarkFunction.HalfOf("branin"));
        foreach (var name in BenchmarkFunction.Names) Assert.Equal(name, BenchmarkFunction.FromName(name).Key);
    }

    [Fact]
    public void MannWhitneyMatchesCountedPairsAndTheExactPermutationTest()
    {
        var rng = new Random(4);
        var a = Enumerable.Range(0, 12).Select(_ => rng.NextDouble()).ToArray();
        var b = Enumerable.Range(0, 12).Select(_ => rng.NextDouble() + 0.3).ToArray();
        double pairs = a.Sum(x => b.Sum(y => x > y ? 1.0 : x == y ? 0.5 : 0));
        Assert.Equal(pairs, MannWhitney.U(a, b), 9);
        // exact null distribution of U for 12 + 12 without ties: count subsets by their rank sum
        int n1 = 12, n = 24;
        var ways = new double[n1 + 1, n * (n + 1) / 2 + 1];
        ways[0, 0] = 1;
        for (int r = 1; r <= n; r++)
            for (int k = Math.Min(r, n1); k >= 1; k--)
                for (int s = r; s < ways.GetLength(1); s++) ways[k, s] += ways[k - 1, s - r];
        double total = Enumerable.Range(0, ways.GetLength(1)).Sum(s => ways[n1, s]);
        double mu = n1 * 12 / 2.0, dev = Math.Abs(pairs - mu);
        double exact = Enumerable.Range(0, ways.GetLength(1)).Where(s => Math.Abs(s - n1 * (n1 + 1) / 2.0 - mu) >= dev - 1e-9).Sum(s => ways[n1, s]) / total;
        double p = MannWhitney.TwoSidedP(a, b);
        Assert.InRange(p, exact - 0.01, exact + 0.01);
        Assert.True(p < 0.05, $"p {p}");
        Assert.Equal(1, MannWhitney.TwoSidedP([1, 1, 1], [1, 1, 1]));
        Assert.True(MannWhitney.TwoSidedP(a, a) > 0.9);
    }
}
