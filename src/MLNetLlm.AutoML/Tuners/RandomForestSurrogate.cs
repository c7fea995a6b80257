using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// ML.NET's FastForest regression as a surrogate with uncertainty: trained on (vector, loss), it predicts a point's
/// mean across its trees and a variance by the law of total variance (the spread of the per-tree predictions plus the
/// mean spread of the training losses inside the leaves the point falls in), walking each tree's splits directly.
/// </summary>
/// <param name="trees">Trees in the forest.</param>
/// <param name="leaves">Most leaves per tree (capped by the data: at most n / minLeaf).</param>
/// <param name="minLeaf">Fewest training examples per leaf.</param>
/// <param name="seed">Seed of the bagging and the feature sampling.</param>
/// <param name="baggingFraction">Fraction of the examples each tree is trained on (drawn per tree); 1 trains every tree on all of them.</param>
/// <param name="featureFractionPerSplit">Fraction of the coordinates each split may choose from.</param>
internal sealed class RandomForestSurrogate(int trees, int leaves, int minLeaf, int seed, double baggingFraction = 0.8, double featureFractionPerSplit = 0.8)
{
    readonly MLContext _ml = new(seed);
    IReadOnlyList<RegressionTreeBase> _trees = [];
    double[][] _leafVariance = [];
    IReadOnlyList<double> _weights = [];
    double _bias;
    int _fits;

    public void Fit(double[][] x, double[] y)
    {
        int d = x[0].Length;
        var features = x.Select(r => new VBuffer<float>(d, r.Select(v => (float)v).ToArray())).ToArray();
        var data = InMemoryDataView.FromColumns(
            ("Features", new VectorDataViewType(NumberDataViewType.Single, d), features),
            ("Label", NumberDataViewType.Single, y.Select(v => (float)v).ToArray()));
        // a new seed per fit: otherwise every refit repeats the same bags and feature draws
        int fitSeed = unchecked(seed + 7919 * _fits++);
        var trainer = _ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options
        {
            NumberOfTrees = trees,
            NumberOfLeaves = Math.Max(2, Math.Min(leaves, x.Length / Math.Max(1, minLeaf))),
            MinimumExampleCountPerLeaf = minLeaf,
            FeatureFraction = 1.0,
            FeatureFractionPerSplit = featureFractionPerSplit,
            BaggingSize = baggingFraction < 1 ? 1 : 0,
            BaggingExampleFraction = baggingFraction,
            NumberOfThreads = 1,
            Seed = fitSeed,
            FeatureSelectionSeed = fitSeed,
        });
        var ensemble = trainer.Fit(data).Model.TrainedTreeEnsemble;
        _trees = ensemble.Trees;
        _weights = ensemble.TreeWeights;
        _bias = ensemble.Bias;

        // the spread of the training losses in each leaf (SMAC's within-leaf variance)
        _leafVariance = new double[_trees.Count][];
        for (int t = 0; t < _trees.Count; t++)
        {
            int leafCount = Math.Max(1, _trees[t].NumberOfLeaves);
            var n = new int[leafCount];
            var sum = new double[leafCount];
            var sumSq = new double[leafCount];
            for (int i = 0; i < x.Length; i++)
            {
                int leaf = LeafIndex(_trees[t], x[i]);
                n[leaf]++; sum[leaf] += y[i]; sumSq[leaf] += y[i] * y[i];
            }
            _leafVariance[t] = new double[leafCount];
            for (int l = 0; l < leafCount; l++)
                if (n[l] > 1) _leafVariance[t][l] = Math.Max(sumSq[l] / n[l] - (sum[l] / n[l]) * (sum[l] / n[l]), 0);
        }
    }

    /// <summary>The forest's prediction (the mean of its trees) and its variance (across trees plus within leaves).</summary>
    public (double Mean, double Variance) Predict(double[] x)
    {
        int n = _trees.Count;
        double sum = 0, sumSq = 0, within = 0;
        for (int t = 0; t < n; t++)
        {
            int leaf = LeafIndex(_trees[t], x);
            double v = _weights[t] * _trees[t].LeafValues[leaf] + _bias; // FastForest averages its trees
            sum += v;
            sumSq += v * v;
            within += _leafVariance[t][leaf];
        }
        double mean = sum / n;
        return (mean, Math.Max(sumSq / n - mean * mean, 0) + within / n);
    }

    /// <summary>The number of trees of the last fit.</summary>
    internal int TreeCount => _trees.Count;

    /// <summary>The leaf of tree <paramref name="tree"/> that <paramref name="x"/> falls in.</summary>
    internal int LeafOf(int tree, double[] x) => LeafIndex(_trees[tree], x);

    static int LeafIndex(RegressionTreeBase tree, double[] x)
    {
        if (tree.NumberOfLeaves <= 1) return 0;
        int node = 0;
        while (true)
        {
            int next = x[tree.NumericalSplitFeatureIndexes[node]] <= tree.NumericalSplitThresholds[node] ? tree.LeftChild[node] : tree.RightChild[node];
            if (next < 0) return ~next;
            node = next;
        }
    }
}
