namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// A random forest of regression trees as a surrogate with uncertainty (SMAC's model). Each tree is a CART tree grown on
/// a bag (a fraction of the observations drawn without replacement, a new bag per tree): a split is the coordinate and
/// threshold (midway between two adjacent distinct values) that most reduce the summed squared error of the node,
/// chosen among a random subset of the coordinates (each kept with probability <c>featureFractionPerSplit</c>, at
/// least one), and the tree is grown best-first (the leaf whose split reduces the error most is split next) up to the
/// leaf limit, with at least <c>minLeaf</c> examples per leaf. A leaf's value is the mean of its examples. A point's
/// prediction is the mean of the trees' leaf values, its variance the law of total variance: the spread of those
/// values across the trees plus the mean spread of the observed losses inside the leaves the point falls in (over all
/// observations in the leaf, bagged or not, so a leaf that out-of-bag points contradict is uncertain).
/// </summary>
/// <remarks>
/// Until this session the trees came from ML.NET's FastForest. On the few dozen observations a tuner has, its training
/// (a data view, feature binning, 24 boosting-style tree builds) cost about 0.1 s of CPU per proposal, which kept the
/// SMAC columns of the tuner benchmark at 10 seeds; growing the same kind of trees directly costs well under a
/// millisecond (docs/benchmarks.md, "Tuners").
/// </remarks>
/// <param name="trees">Trees in the forest.</param>
/// <param name="leaves">Most leaves per tree (capped by the data: at most n / minLeaf).</param>
/// <param name="minLeaf">Fewest training examples per leaf.</param>
/// <param name="seed">Seed of the bagging and the coordinate sampling.</param>
/// <param name="baggingFraction">Fraction of the examples each tree is trained on (drawn per tree); 1 trains every tree on all of them.</param>
/// <param name="featureFractionPerSplit">Probability that a coordinate is a split candidate at a node.</param>
internal sealed class RandomForestSurrogate(int trees, int leaves, int minLeaf, int seed, double baggingFraction = 0.8, double featureFractionPerSplit = 0.8)
{
    Tree[] _trees = [];
    int _fits;

    public void Fit(double[][] x, double[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Length == 0 || x.Length != y.Length) throw new ArgumentException("Needs as many targets as points, at least one.", nameof(y));
        // a new seed per fit: otherwise every refit repeats the same bags and coordinate draws
        var random = new Random(unchecked(seed + 7919 * _fits++));
        int n = x.Length;
        int maxLeaves = Math.Max(2, Math.Min(leaves, n / Math.Max(1, minLeaf)));
        int bag = baggingFraction < 1 ? Math.Max(1, (int)Math.Round(baggingFraction * n)) : n;
        var all = Enumerable.Range(0, n).ToArray();
        _trees = new Tree[trees];
        for (int t = 0; t < trees; t++)
        {
            var rows = (int[])all.Clone();
            if (bag < n) random.Shuffle(rows);
            var tree = Grow(x, y, rows[..bag], maxLeaves, random);
            tree.Complete(x, y);
            _trees[t] = tree;
        }
    }

    /// <summary>The forest's prediction (the mean of its trees) and its variance (across trees plus within leaves).</summary>
    public (double Mean, double Variance) Predict(double[] x)
    {
        int n = _trees.Length;
        double sum = 0, sumSq = 0, within = 0;
        foreach (var tree in _trees)
        {
            int leaf = tree.LeafOf(x);
            double v = tree.LeafValue[leaf];
            sum += v;
            sumSq += v * v;
            within += tree.LeafVariance[leaf];
        }
        double mean = sum / n;
        return (mean, Math.Max(sumSq / n - mean * mean, 0) + within / n);
    }

    /// <summary>The number of trees of the last fit.</summary>
    internal int TreeCount => _trees.Length;

    /// <summary>The number of leaves of tree <paramref name="tree"/>.</summary>
    internal int LeafCount(int tree) => _trees[tree].LeafValue.Length;

    /// <summary>The leaf of tree <paramref name="tree"/> that <paramref name="x"/> falls in.</summary>
    internal int LeafOf(int tree, double[] x) => _trees[tree].LeafOf(x);

    /// <summary>The value of leaf <paramref name="leaf"/> of tree <paramref name="tree"/>.</summary>
    internal double LeafValue(int tree, int leaf) => _trees[tree].LeafValue[leaf];

    Tree Grow(double[][] x, double[] y, int[] rows, int maxLeaves, Random random)
    {
        int d = x[0].Length;
        var tree = new Tree();
        // leaves waiting to be split, with their best split; a leaf's node slot is patched when it splits
        var open = new List<(int[] Rows, Split Split, int Parent, bool IsLeft)>();
        open.Add((rows, BestSplit(x, y, rows, d, random), -1, false));
        int leafCount = 1;
        var finished = new List<(int[] Rows, int Parent, bool IsLeft)>();
        while (open.Count > 0)
        {
            int best = -1;
            for (int i = 0; i < open.Count; i++)
                if (open[i].Split.Gain > 0 && (best < 0 || open[i].Split.Gain > open[best].Split.Gain)) best = i;
            if (best < 0 || leafCount >= maxLeaves)
            {
                finished.AddRange(open.Select(o => (o.Rows, o.Parent, o.IsLeft)));
                break;
            }
            var node = open[best];
            open.RemoveAt(best);
            int id = tree.AddNode(node.Split.Feature, node.Split.Threshold);
            tree.Link(node.Parent, node.IsLeft, id);
            var left = node.Rows.Where(r => x[r][node.Split.Feature] <= node.Split.Threshold).ToArray();
            var right = node.Rows.Where(r => x[r][node.Split.Feature] > node.Split.Threshold).ToArray();
            open.Add((left, BestSplit(x, y, left, d, random), id, true));
            open.Add((right, BestSplit(x, y, right, d, random), id, false));
            leafCount++;
        }
        foreach (var (leafRowsOf, parent, isLeft) in finished)
        {
            int leaf = tree.AddLeaf(leafRowsOf.Average(r => y[r]));
            tree.Link(parent, isLeft, ~leaf);
        }
        return tree;
    }

    Split BestSplit(double[][] x, double[] y, int[] rows, int d, Random random)
    {
        var best = new Split(-1, 0, 0);
        int m = rows.Length;
        if (m < 2 * Math.Max(1, minLeaf)) return best;
        // the coordinates this node may split on: each with probability featureFractionPerSplit, at least one
        var features = new List<int>(d);
        for (int j = 0; j < d; j++)
            if (featureFractionPerSplit >= 1 || random.NextDouble() < featureFractionPerSplit) features.Add(j);
        if (features.Count == 0) features.Add(random.Next(d));

        double total = 0;
        foreach (int r in rows) total += y[r];
        double baseline = total * total / m;
        var order = new int[m];
        foreach (int j in features)
        {
            rows.CopyTo(order, 0);
            Array.Sort(order, (a, b) => x[a][j].CompareTo(x[b][j]));
            double left = 0;
            for (int i = 0; i < m - 1; i++)
            {
                left += y[order[i]];
                int nl = i + 1, nr = m - nl;
                double lo = x[order[i]][j], hi = x[order[i + 1]][j];
                if (nl < minLeaf || nr < minLeaf || !(hi > lo)) continue;
                double right = total - left;
                // reduction of the summed squared error: Σ_child S²/n − S²/n
                double gain = left * left / nl + right * right / nr - baseline;
                if (gain > best.Gain + 1e-12 * Math.Max(1, Math.Abs(baseline)))
                    best = new Split(j, lo + 0.5 * (hi - lo), gain);
            }
        }
        return best;
    }

    readonly record struct Split(int Feature, double Threshold, double Gain);

    sealed class Tree
    {
        readonly List<int> _featureList = [], _leftList = [], _rightList = [];
        readonly List<double> _thresholdList = [], _leafList = [];
        int[] _feature = [], _left = [], _right = [];
        double[] _threshold = [];

        public double[] LeafValue { get; private set; } = [];

        public double[] LeafVariance { get; private set; } = [];

        public int AddNode(int feature, double threshold)
        {
            _featureList.Add(feature);
            _thresholdList.Add(threshold);
            _leftList.Add(0);
            _rightList.Add(0);
            return _featureList.Count - 1;
        }

        public int AddLeaf(double value)
        {
            _leafList.Add(value);
            return _leafList.Count - 1;
        }

        /// <summary>Makes <paramref name="child"/> (a node index, or ~leaf) the left or right child of <paramref name="parent"/> (−1: the root).</summary>
        public void Link(int parent, bool isLeft, int child)
        {
            if (parent < 0) return; // the root is node 0 (or the only leaf)
            if (isLeft) _leftList[parent] = child; else _rightList[parent] = child;
        }

        /// <summary>Freezes the tree and sets each leaf's spread of the observed losses (SMAC's within-leaf variance) over all observations.</summary>
        public void Complete(double[][] x, double[] y)
        {
            _feature = [.. _featureList];
            _threshold = [.. _thresholdList];
            _left = [.. _leftList];
            _right = [.. _rightList];
            LeafValue = [.. _leafList];
            int leaves = LeafValue.Length;
            var n = new int[leaves];
            var sum = new double[leaves];
            var sumSq = new double[leaves];
            for (int i = 0; i < x.Length; i++)
            {
                int leaf = LeafOf(x[i]);
                n[leaf]++; sum[leaf] += y[i]; sumSq[leaf] += y[i] * y[i];
            }
            LeafVariance = new double[leaves];
            for (int l = 0; l < leaves; l++)
                if (n[l] > 1) LeafVariance[l] = Math.Max(sumSq[l] / n[l] - (sum[l] / n[l]) * (sum[l] / n[l]), 0);
        }

        public int LeafOf(double[] x)
        {
            if (_feature.Length == 0) return 0;
            int node = 0;
            while (true)
            {
                int next = x[_feature[node]] <= _threshold[node] ? _left[node] : _right[node];
                if (next < 0) return ~next;
                node = next;
            }
        }
    }
}
