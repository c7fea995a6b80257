using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// A cost-frugal local search in the style of FLOW2/CFO: starts from the space's defaults (usually the cheap end),
/// tries the incumbent plus a random direction of length δ, then the opposite direction, moves on improvement, halves δ
/// after 2^(d-1) (at most 32) failed probes in a row, and restarts from a random point when δ gets tiny. It needs no
/// model, so each proposal is instant, and it stays near configurations known to work.
/// </summary>
public sealed class CostFrugalTuner : HypercubeTuner
{
    readonly Queue<double[]> _queue = new();
    readonly HashSet<double[]> _mirrors = new(ReferenceEqualityComparer.Instance);
    readonly double _initialStep;
    double[]? _incumbent;
    double _incumbentLoss = double.PositiveInfinity;
    double _step;
    int _failures;
    bool _started;

    /// <summary>A local search over <paramref name="searchSpace"/>.</summary>
    /// <param name="searchSpace">The space; its defaults are the starting point.</param>
    /// <param name="seed">Seed of the random directions and restarts.</param>
    /// <param name="initialStep">The first step length δ in the unit hypercube (default 0.1·√d, at most 0.5).</param>
    public CostFrugalTuner(SearchSpace searchSpace, int seed = 0, double? initialStep = null) : base(searchSpace, seed)
    {
        if (initialStep is <= 0) throw new ArgumentOutOfRangeException(nameof(initialStep), initialStep, "δ must be positive.");
        _initialStep = initialStep ?? Math.Min(0.5, 0.1 * Math.Sqrt(Dimension));
        _step = _initialStep;
    }

    private protected override double[] Next()
    {
        if (!_started)
        {
            _started = true;
            return SearchSpace.MappingToFeatureSpace(SearchSpace.Default);
        }
        if (_queue.Count > 0) return _queue.Dequeue();
        var centre = _incumbent ?? SearchSpace.MappingToFeatureSpace(SearchSpace.Default);
        var u = new double[Dimension];
        double norm = 0;
        for (int i = 0; i < u.Length; i++)
        {
            double u1 = 1.0 - Random.NextDouble(), u2 = Random.NextDouble();
            u[i] = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            norm += u[i] * u[i];
        }
        norm = Math.Sqrt(norm);
        var x = new double[Dimension];
        for (int i = 0; i < x.Length; i++) x[i] = Math.Clamp(centre[i] + _step * u[i] / norm, 0, 1);
        return x;
    }

    private protected override void Observe(double[] x, double loss)
    {
        if (loss < _incumbentLoss)
        {
            _incumbent = x;
            _incumbentLoss = loss;
            _failures = 0;
            _queue.Clear();
            return;
        }
        Failed(x);
    }

    private protected override void ObserveFailure(double[] x) => Failed(x);

    void Failed(double[] x)
    {
        if (_incumbent is not null && !_mirrors.Remove(x))
        {
            // the opposite direction: the probe reflected through the incumbent
            var mirror = new double[Dimension];
            for (int i = 0; i < mirror.Length; i++) mirror[i] = Math.Clamp(2 * _incumbent[i] - x[i], 0, 1);
            _mirrors.Add(mirror);
            _queue.Enqueue(mirror);
        }
        if (++_failures < Math.Min(32, 1 << Math.Min(Dimension - 1, 5))) return;
        _failures = 0;
        _step /= 2;
        if (_step < 1e-3)
        {
            _step = _initialStep;
            _incumbent = RandomPoint();
            _incumbentLoss = double.PositiveInfinity;
            _queue.Clear();
            _queue.Enqueue(_incumbent);
        }
    }
}
