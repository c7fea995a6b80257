using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// ML.NET's FastForest regression as a surrogate with uncertainty: trained on (vector, loss), it predicts a point's
/// mean and variance across its trees, walking each tree's splits directly.
/// </summary>
internal sealed class RandomForestSurrogate(int trees, int leaves, int minLeaf, int seed)
{
    readonly MLContext _ml = new(seed);
    IReadOnlyList<RegressionTreeBase> _trees = [];
    IReadOnlyList<double> _weights = [];
    double _bias;

    public void Fit(double[][] x, double[] y)
    {
        int d = x[0].Length;
        var features = x.Select(r => new VBuffer<float>(d, r.Select(v => (float)v).ToArray())).ToArray();
        var data = InMemoryDataView.FromColumns(
            ("Features", new VectorDataViewType(NumberDataViewType.Single, d), features),
            ("Label", NumberDataViewType.Single, y.Select(v => (float)v).ToArray()));
        var trainer = _ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options
        {
            NumberOfTrees = trees,
            NumberOfLeaves = Math.Max(2, Math.Min(leaves, x.Length / Math.Max(1, minLeaf))),
            MinimumExampleCountPerLeaf = minLeaf,
            FeatureFraction = 1.0,
            FeatureFractionPerSplit = 0.8,
            BaggingSize = 1,
            BaggingExampleFraction = 0.8,
            NumberOfThreads = 1,
            Seed = seed,
            FeatureSelectionSeed = seed,
        });
        var model = trainer.Fit(data).Model;
        var ensemble = model.TrainedTreeEnsemble;
        _trees = ensemble.Trees;
        _weights = ensemble.TreeWeights;
        _bias = ensemble.Bias;
    }

    /// <summary>The forest's prediction (the mean of its trees) and the variance of the per-tree predictions.</summary>
    public (double Mean, double Variance) Predict(double[] x)
    {
        int n = _trees.Count;
        double sum = 0, sumSq = 0;
        for (int t = 0; t < n; t++)
        {
            double v = _weights[t] * Leaf(_trees[t], x) + _bias; // FastForest averages its trees
            sum += v;
            sumSq += v * v;
        }
        double mean = sum / n;
        return (mean, Math.Max(sumSq / n - mean * mean, 0));
    }

    static double Leaf(RegressionTreeBase tree, double[] x)
    {
        if (tree.NumberOfLeaves <= 1) return tree.LeafValues[0];
        int node = 0;
        while (true)
        {
            int next = x[tree.NumericalSplitFeatureIndexes[node]] <= tree.NumericalSplitThresholds[node] ? tree.LeftChild[node] : tree.RightChild[node];
            if (next < 0) return tree.LeafValues[~next];
            node = next;
        }
    }
}
