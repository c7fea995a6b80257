using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// Base of the Bayesian tuners: a Latin-hypercube initial design, then the point that maximises the acquisition of a
/// surrogate model fitted to every result so far. Failed trials count as the worst loss seen (so the model learns to
/// avoid them), pending proposals are never proposed twice, and an evaluated parameter is never proposed again.
/// </summary>
public abstract class ModelBasedTuner : HypercubeTuner
{
    readonly List<double[]> _x = [];
    readonly List<double> _y = [];
    readonly List<double[]> _failed = [];
    readonly Queue<double[]> _initial;
    readonly AcquisitionSearch _search;

    private protected ModelBasedTuner(SearchSpace searchSpace, int seed, int? initialPoints, int randomCandidates)
        : base(searchSpace, seed)
    {
        if (initialPoints is < 1) throw new ArgumentOutOfRangeException(nameof(initialPoints), initialPoints, "At least one initial point is needed.");
        InitialPoints = initialPoints ?? Math.Max(5, Dimension + 1);
        _initial = new Queue<double[]>(LatinHypercube(InitialPoints));
        _search = new AcquisitionSearch(Random, Levels, randomCandidates);
    }

    /// <summary>The size of the random (Latin hypercube) design before the model takes over.</summary>
    public int InitialPoints { get; }

    /// <summary>The number of results the model is fitted to (successes and failures).</summary>
    public int ObservationCount => _x.Count + _failed.Count;

    private protected override double[] Next()
    {
        if (ObservationCount >= InitialPoints) _initial.Clear();
        if (_initial.Count > 0) return _initial.Dequeue();
        if (_x.Count < 2) return RandomPoint();

        double worst = _y.Max();
        var xs = _x.Concat(_failed).ToArray();
        var ys = _y.Concat(_failed.Select(_ => worst)).ToArray();
        var pending = Pending.ToArray();
        var acquisition = FitAcquisition(xs, ys, pending);
        var incumbents = _x.Zip(_y).OrderBy(p => p.Second).Take(5).Select(p => p.First).ToArray();
        var pendingParams = pending.Select(p => SearchSpace.SampleFromFeatureSpace(p)).ToHashSet();
        foreach (var x in _search.Rank(acquisition, incumbents))
        {
            var p = SearchSpace.SampleFromFeatureSpace(x);
            if (!WasEvaluated(p) && !pendingParams.Contains(p)) return x;
        }
        return RandomPoint();
    }

    /// <summary>
    /// Fits the surrogate to the observations (<paramref name="x"/>, <paramref name="loss"/>; failures already carry
    /// the worst loss) and returns the acquisition to maximise. <paramref name="pending"/> are proposals still running.
    /// </summary>
    private protected abstract Func<double[], double> FitAcquisition(double[][] x, double[] loss, double[][] pending);

    private protected override void Observe(double[] x, double loss)
    {
        _x.Add(x);
        _y.Add(loss);
    }

    private protected override void ObserveFailure(double[] x) => _failed.Add(x);

    IEnumerable<double[]> LatinHypercube(int n)
    {
        var strata = new int[Dimension][];
        for (int d = 0; d < Dimension; d++)
        {
            strata[d] = Enumerable.Range(0, n).ToArray();
            Random.Shuffle(strata[d]);
        }
        for (int i = 0; i < n; i++)
        {
            var x = new double[Dimension];
            for (int d = 0; d < Dimension; d++) x[d] = (strata[d][i] + Random.NextDouble()) / n;
            yield return x;
        }
    }
}
