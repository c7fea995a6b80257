using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

public sealed class RandomForestSurrogateTests
{
    // an independent reference: the exhaustive least-squares regression tree, grown depth-first by recursion, every
    // split found by computing both children's squared error directly for every coordinate and every midpoint
    static double ReferenceTree(double[][] x, double[] y, int[] rows, int minLeaf, double[] at)
    {
        double Sse(IEnumerable<int> part)
        {
            var v = part.Select(r => y[r]).ToArray();
            double m = v.Average();
            return v.Sum(t => (t - m) * (t - m));
        }
        double parent = Sse(rows), bestGain = 0;
        int bestFeature = -1;
        double bestThreshold = 0;
        for (int j = 0; j < x[0].Length; j++)
        {
            var values = rows.Select(r => x[r][j]).Distinct().Order().ToArray();
            for (int i = 0; i + 1 < values.Length; i++)
            {
                double threshold = (values[i] + values[i + 1]) / 2;
                var left = rows.Where(r => x[r][j] <= threshold).ToArray();
                var right = rows.Where(r => x[r][j] > threshold).ToArray();
                if (left.Length < minLeaf || right.Length < minLeaf) continue;
                double gain = parent - Sse(left) - Sse(right);
                if (gain > bestGain + 1e-9) (bestGain, bestFeature, bestThreshold) = (gain, j, threshold);
            }
        }
        if (bestFeature < 0) return rows.Average(r => y[r]);
        var side = rows.Where(r => (x[r][bestFeature] <= bestThreshold) == (at[bestFeature] <= bestThreshold)).ToArray();
        return ReferenceTree(x, y, side, minLeaf, at);
    }

    [Fact]
    public void AnUnbaggedTreeIsTheExhaustiveLeastSquaresTree()
    {
        var rng = new Random(3);
        var x = Enumerable.Range(0, 40).Select(_ => new[] { rng.NextDouble(), rng.NextDouble(), rng.NextDouble() }).ToArray();
        var y = x.Select(r => 3 * r[0] - 2 * r[1] * r[1] + (r[2] > 0.5 ? 1 : 0) + 0.01 * rng.NextDouble()).ToArray();
        // at most 40 / 2 = 20 leaves, under the limit of 64: the tree is grown until no split with two leaves of 2 is left
        var forest = new RandomForestSurrogate(trees: 3, leaves: 64, minLeaf: 2, seed: 1, baggingFraction: 1, featureFractionPerSplit: 1);
        forest.Fit(x, y);

        var all = Enumerable.Range(0, x.Length).ToArray();
        var probes = x.Concat(Enumerable.Range(0, 200).Select(_ => new[] { rng.NextDouble(), rng.NextDouble(), rng.NextDouble() })).ToArray();
        foreach (var p in probes)
        {
            var (mean, _) = forest.Predict(p);
            AssertClose.Equal(ReferenceTree(x, y, all, 2, p), mean, abs: 1e-12, what: "prediction");
        }
        Assert.InRange(forest.LeafCount(0), 10, 20);
    }

    [Fact]
    public void BaggedTreesDifferStayUnderTheLeafLimitAndEachRefitDrawsNewBags()
    {
        var rng = new Random(5);
        var x = Enumerable.Range(0, 50).Select(_ => new[] { rng.NextDouble(), rng.NextDouble() }).ToArray();
        var y = x.Select(r => Math.Sin(5 * r[0]) + r[1]).ToArray();
        var forest = new RandomForestSurrogate(trees: 8, leaves: 6, minLeaf: 1, seed: 2, baggingFraction: 0.6, featureFractionPerSplit: 0.5);
        forest.Fit(x, y);
        for (int t = 0; t < forest.TreeCount; t++) Assert.Equal(6, forest.LeafCount(t));
        var probe = new[] { 0.37, 0.81 };
        var perTree = Enumerable.Range(0, forest.TreeCount).Select(t => forest.LeafValue(t, forest.LeafOf(t, probe))).ToArray();
        Assert.True(perTree.Distinct().Count() > 1, "bags and coordinate draws should make the trees differ");
        Assert.True(forest.Predict(probe).Variance > 0);
        var first = x.Select(p => forest.Predict(p).Mean).ToArray();
        forest.Fit(x, y);
        Assert.NotEqual(first, x.Select(p => forest.Predict(p).Mean).ToArray());
        // and it learned something: the point it predicts lowest is among the lowest quarter of the truth
        int lowest = Enumerable.Range(0, x.Length).MinBy(i => forest.Predict(x[i]).Mean);
        Assert.True(y.Count(v => v < y[lowest]) < x.Length / 4);
    }

    [Fact]
    public void EachTreeIsGrownOnItsOwnDrawOfTheBaggedShareOfThePoints()
    {
        // ten points on a line with distinct losses and leaves of one: a tree splits its bag down to single points, so
        // its leaf values are exactly the losses of the points it was grown on
        var x = Enumerable.Range(0, 10).Select(i => new[] { i / 10.0 }).ToArray();
        var y = Enumerable.Range(0, 10).Select(i => (double)(i * i % 7) + i / 100.0).ToArray();
        var forest = new RandomForestSurrogate(trees: 8, leaves: 64, minLeaf: 1, seed: 3, baggingFraction: 0.5, featureFractionPerSplit: 1);
        forest.Fit(x, y);
        var bags = new List<double[]>();
        for (int t = 0; t < forest.TreeCount; t++)
        {
            var values = Enumerable.Range(0, forest.LeafCount(t)).Select(l => forest.LeafValue(t, l)).Order().ToArray();
            Assert.Equal(5, values.Length); // round(0.5 × 10) points, one per leaf
            Assert.All(values, v => Assert.Contains(v, y));
            bags.Add(values);
        }
        // a new draw per tree: not every tree on the same five points, nor all on the first five
        Assert.True(bags.Select(b => string.Join(",", b)).Distinct().Count() > 1, "every tree was grown on the same points");
        Assert.Contains(bags, b => !b.SequenceEqual(y[..5].Order()));
    }
}

public sealed class ForestVarianceTests
{
    [Fact]
    public void VarianceIsTheLawOfTotalVarianceOverTheTreesAndTheirLeaves()
    {
        // without bagging every tree sees every example, so each leaf's value must be the mean of the training
        // losses in it, and the predictive variance = variance of those means across trees + mean within-leaf variance
        var rng = new Random(11);
        var x = Enumerable.Range(0, 48).Select(_ => new[] { rng.NextDouble(), rng.NextDouble() }).ToArray();
        var y = x.Select(r => Math.Sin(6 * r[0]) + r[1] * r[1] + 0.1 * rng.NextDouble()).ToArray();
        var forest = new RandomForestSurrogate(trees: 12, leaves: 8, minLeaf: 3, seed: 4, baggingFraction: 1, featureFractionPerSplit: 0.5);
        forest.Fit(x, y);
        int checkedLeaves = 0;
        for (int q = 0; q < 20; q++)
        {
            var p = new[] { rng.NextDouble(), rng.NextDouble() };
            var means = new double[forest.TreeCount];
            double within = 0;
            for (int t = 0; t < forest.TreeCount; t++)
            {
                int leaf = forest.LeafOf(t, p);
                var inLeaf = Enumerable.Range(0, x.Length).Where(i => forest.LeafOf(t, x[i]) == leaf).Select(i => y[i]).ToArray();
                Assert.True(inLeaf.Length >= 3);
                means[t] = inLeaf.Average();
                within += inLeaf.Select(v => (v - means[t]) * (v - means[t])).Average();
                checkedLeaves++;
            }
            double mean = means.Average();
            double across = means.Select(m => (m - mean) * (m - mean)).Average();
            var (predMean, predVar) = forest.Predict(p);
            AssertClose.Equal(mean, predMean, abs: 1e-12, what: "mean");
            AssertClose.Equal(across + within / forest.TreeCount, predVar, abs: 1e-12, what: "variance");
        }
        Assert.Equal(20 * 12, checkedLeaves);
    }
}
