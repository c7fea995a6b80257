using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Tuners;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Tests.Tuners;

public sealed class RandomForestSurrogateTests
{
    [Fact]
    public void MeanOfTreeWalksMatchesTheForestsOwnPrediction()
    {
        var rng = new Random(3);
        var x = Enumerable.Range(0, 60).Select(_ => new[] { rng.NextDouble(), rng.NextDouble(), rng.NextDouble() }).ToArray();
        var y = x.Select(r => 3 * r[0] - 2 * r[1] * r[1] + (r[2] > 0.5 ? 1 : 0)).ToArray();
        var forest = new RandomForestSurrogate(trees: 10, leaves: 8, minLeaf: 2, seed: 1);
        forest.Fit(x, y);

        // the same forest, trained through ML.NET's public API, scores the same points
        var ml = new MLContext(1);
        var data = InMemoryDataView.FromColumns(
            ("Features", new VectorDataViewType(NumberDataViewType.Single, 3), x.Select(r => new VBuffer<float>(3, r.Select(v => (float)v).ToArray())).ToArray()),
            ("Label", NumberDataViewType.Single, y.Select(v => (float)v).ToArray()));
        var trainer = ml.Regression.Trainers.FastForest(new Microsoft.ML.Trainers.FastTree.FastForestRegressionTrainer.Options
        {
            NumberOfTrees = 10, NumberOfLeaves = 8, MinimumExampleCountPerLeaf = 2, FeatureFraction = 1.0, FeatureFractionPerSplit = 0.8,
            BaggingSize = 1, BaggingExampleFraction = 0.8, NumberOfThreads = 1, Seed = 1, FeatureSelectionSeed = 1,
        });
        var scores = trainer.Fit(data).Transform(data).GetColumn<float>("Score").ToArray();
        for (int i = 0; i < x.Length; i++) Assert.InRange(forest.Predict(x[i]).Mean, scores[i] - 1e-4, scores[i] + 1e-4);
        // and it learned something: the points it fits are ordered like the truth
        var order = Enumerable.Range(0, x.Length).OrderBy(i => forest.Predict(x[i]).Mean).ToArray();
        Assert.True(y[order[0]] < y[order[^1]]);
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
            Assert.Equal(mean, predMean, 4); // FastForest stores leaf values in single precision
            Assert.Equal(across + within / forest.TreeCount, predVar, 4);
        }
        Assert.Equal(20 * 12, checkedLeaves);
    }
}
