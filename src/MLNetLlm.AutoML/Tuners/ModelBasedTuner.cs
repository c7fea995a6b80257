using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// Base of the Bayesian tuners: an initial design (optional starting points, e.g. a cheap known-good configuration,
/// then a Latin hypercube), then the point that maximises the acquisition of a
/// surrogate model fitted to every result so far. The surrogate sees the losses through a <see cref="LossWarping"/>
/// and robust standardisation (<see cref="Warping"/>); failed trials, and successes whose loss is not a finite number,
/// count as the worst target seen (so the model learns to avoid them). Pending trials (its own proposals and other
/// workers' announced ones) are never proposed twice and the surrogate is told about them (a stand-in loss, so
/// parallel proposals spread out), and an evaluated parameter is never proposed again. Design points already evaluated
/// or pending (a resumed study, another worker with the same seed) are skipped, so workers share the design instead of
/// repeating it.
/// </summary>
public abstract class ModelBasedTuner : HypercubeTuner
{
    readonly List<double[]> _x = [];
    readonly List<double> _y = [];
    readonly List<double[]> _failed = [];
    readonly Queue<double[]> _initial;
    readonly AcquisitionSearch _search;

    private protected ModelBasedTuner(SearchSpace searchSpace, int seed, int? initialPoints, int randomCandidates, IEnumerable<Parameter>? startingPoints, LossWarping warping)
        : base(searchSpace, seed)
    {
        if (!Enum.IsDefined(warping)) throw new ArgumentOutOfRangeException(nameof(warping), warping, "Unknown warping.");
        Warping = warping;
        if (initialPoints is < 1) throw new ArgumentOutOfRangeException(nameof(initialPoints), initialPoints, "At least one initial point is needed.");
        var start = (startingPoints ?? []).Select(p => p is null
            ? throw new ArgumentException("A starting point is null.", nameof(startingPoints))
            : searchSpace.MappingToFeatureSpace(p)).ToArray();
        int design = initialPoints ?? Math.Max(5, Dimension + 1);
        InitialPoints = start.Length + design;
        _initial = new Queue<double[]>(start.Concat(LatinHypercube(design)));
        _search = new AcquisitionSearch(Random, Levels, randomCandidates);
    }

    /// <summary>The size of the initial design (starting points plus the Latin hypercube) before the model takes over.</summary>
    public int InitialPoints { get; }

    /// <summary>How the losses are warped before the surrogate sees them.</summary>
    public LossWarping Warping { get; }

    /// <summary>The warping the last model fit used (<see cref="Warping"/>, or the one <see cref="LossWarping.Auto"/>
    /// chose); null before the first fit.</summary>
    public LossWarping? LastWarping { get; private set; }

    /// <summary>The warping of the next model fit: <see cref="Warping"/> unless a subclass changes it with the model.</summary>
    private protected virtual LossWarping CurrentWarping => Warping;

    /// <summary>The number of results the model is fitted to (successes and failures).</summary>
    public int ObservationCount => _x.Count + _failed.Count;

    private protected override double[] Next()
    {
        if (ObservationCount >= InitialPoints) _initial.Clear();
        // design points already evaluated or running (a resumed study, another worker with the same seed) are skipped
        while (_initial.Count > 0)
        {
            var d = _initial.Dequeue();
            if (!IsTaken(SearchSpace.SampleFromFeatureSpace(d))) return d;
        }
        if (_x.Count < 2) return FreshRandomPoint();

        var transform = LossTransform.Fit(_y, CurrentWarping);
        LastWarping = transform.Applied;
        var xs = _x.Concat(_failed).ToArray();
        var ys = transform.Targets.Concat(_failed.Select(_ => transform.FailedTarget)).ToArray();
        var pending = Pending.ToArray();
        var acquisition = FitAcquisition(xs, ys, pending);
        var ranked = _x.Zip(_y).OrderBy(p => p.Second).Select(p => p.First).ToArray();
        foreach (var x in RankCandidates(acquisition, ranked))
        {
            ThrowIfStopped();
            if (!IsTaken(SearchSpace.SampleFromFeatureSpace(x))) return x;
        }
        return FreshRandomPoint();
    }

    /// <summary>A random point that is not taken if one turns up in <see cref="HypercubeTuner.MaximumDraws"/> draws (else the last draw).</summary>
    private protected double[] FreshRandomPoint()
    {
        var x = RandomPoint();
        for (int i = 1; i < MaximumDraws && IsTaken(SearchSpace.SampleFromFeatureSpace(x)); i++) x = RandomPoint();
        return x;
    }

    /// <summary>
    /// Candidate vectors, best first, for the acquisition; <paramref name="byLoss"/> holds the successful observations
    /// ordered from the lowest loss. The first one not yet evaluated or pending is proposed.
    /// </summary>
    private protected virtual IEnumerable<double[]> RankCandidates(Func<double[], double> acquisition, IReadOnlyList<double[]> byLoss) =>
        _search.Rank(acquisition, byLoss.Take(5).ToArray());

    /// <summary>
    /// Fits the surrogate to the observations (<paramref name="x"/>, <paramref name="target"/>: the warped,
    /// standardised losses, lower is better; failures already carry the worst target) and returns the acquisition to
    /// maximise. <paramref name="pending"/> are proposals still running.
    /// </summary>
    private protected abstract Func<double[], double> FitAcquisition(double[][] x, double[] target, double[][] pending);

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
