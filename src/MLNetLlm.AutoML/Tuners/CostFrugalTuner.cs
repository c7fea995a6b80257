using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// A cost-frugal local search in the style of FLOW2/CFO: starts from one point (<see cref="StartingPoint"/>), tries the
/// incumbent plus a random direction of length δ, then the opposite direction, moves on improvement, halves δ after
/// 2^(d-1) (at most 32) failed probes in a row, and restarts from a random point when δ gets tiny. It needs no model,
/// so each proposal is instant, and it stays near configurations known to work.
/// </summary>
/// <remarks>
/// The starting point, unless one is given: each coordinate whose option declares its default (a
/// <c>defaultValue</c>/<c>defaultChoice</c> given to the option, or the value of an options class behind
/// <see cref="SearchSpace{T}"/> — usually the cheap end) starts at that default; every other coordinate, and the branch
/// of a one-of option, starts at a seeded uniformly random value. So the search starts at the box's centre only when
/// the space says so, like the other tuners, whose first proposals are random too.
/// </remarks>
public sealed class CostFrugalTuner : HypercubeTuner
{
    readonly Queue<double[]> _queue = new();
    readonly HashSet<double[]> _mirrors = new(ReferenceEqualityComparer.Instance);
    readonly double _initialStep;
    readonly double[] _start;
    double[]? _incumbent;
    double _incumbentLoss = double.PositiveInfinity;
    double _step;
    int _failures;
    bool _started;

    /// <summary>A local search over <paramref name="searchSpace"/>.</summary>
    /// <param name="searchSpace">The space; its declared defaults are the starting point (see the remarks).</param>
    /// <param name="seed">Seed of the starting point's undeclared coordinates, the random directions and restarts.</param>
    /// <param name="initialStep">The first step length δ in the unit hypercube (default 0.1·√d, at most 0.5).</param>
    /// <param name="startingPoint">Where to start instead (e.g. a cheap known-good configuration).</param>
    public CostFrugalTuner(SearchSpace searchSpace, int seed = 0, double? initialStep = null, Parameter? startingPoint = null) : base(searchSpace, seed)
    {
        if (initialStep is <= 0) throw new ArgumentOutOfRangeException(nameof(initialStep), initialStep, "δ must be positive.");
        _initialStep = initialStep ?? Math.Min(0.5, 0.1 * Math.Sqrt(Dimension));
        _step = _initialStep;
        _start = startingPoint is not null ? searchSpace.MappingToFeatureSpace(startingPoint) : DefaultStart();
    }

    /// <summary>The first proposal: the given starting point, else the declared defaults with the other coordinates random.</summary>
    public Parameter StartingPoint => SearchSpace.SampleFromFeatureSpace(_start);

    double[] DefaultStart()
    {
        var x = SearchSpace.MappingToFeatureSpace(SearchSpace.Default);
        var declared = DeclaredCoordinates(SearchSpace).ToArray();
        for (int i = 0; i < x.Length; i++)
            if (!declared[i]) x[i] = Random.NextDouble();
        return x;
    }

    /// <summary>Per hypercube coordinate of <paramref name="option"/>: whether its default was declared.</summary>
    internal static IEnumerable<bool> DeclaredCoordinates(SearchSpaceOption option) => option switch
    {
        UniformDoubleOption o => [o.HasDeclaredDefault],
        UniformIntOption o => [o.HasDeclaredDefault],
        ChoiceOption o => [o.HasDeclaredDefault],
        SearchSpace s => s.SelectMany(kv => DeclaredCoordinates(kv.Value)),
        OneOfOption o => new[] { false }.Concat(o.BranchNames.SelectMany(b => DeclaredCoordinates(o[b]))),
        _ => Enumerable.Repeat(false, option.FeatureSpaceDim),
    };

    private protected override double[] Next()
    {
        if (!_started)
        {
            _started = true;
            return (double[])_start.Clone();
        }
        if (_queue.Count > 0) return _queue.Dequeue();
        var centre = _incumbent ?? _start;
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
