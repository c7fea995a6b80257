using System.Numerics;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// Every combination of: each value of every choice, and <c>step</c> evenly spaced points (both ends included) of
/// every range. A conditional (one-of) option contributes each branch's own points once: the options of the branches
/// not picked are not enumerated, so the grid of a pipeline with several trainers is the sum of the trainers' grids,
/// not their product. Points that map to the same value (a whole-number range with fewer values than <c>step</c>) are
/// merged, and no point already evaluated or pending (in this run, a resumed study, or another worker's) is proposed
/// again. In grid order by default, or in a seeded random order (better when the budget is smaller than the grid).
/// Throws <see cref="TunerExhaustedException"/> when the grid is done.
/// </summary>
public sealed class GridSearchTuner : HypercubeTuner
{
    readonly GridPlan _plan;
    readonly int[]? _order;             // a shuffled permutation, for grids small enough to hold one
    readonly HashSet<BigInteger>? _drawn; // indices drawn so far, for shuffled grids too large for a permutation
    readonly HashSet<Parameter> _proposed = [];
    BigInteger _position;

    /// <summary>A grid over <paramref name="searchSpace"/> with <paramref name="step"/> points per range.</summary>
    /// <param name="searchSpace">The space.</param>
    /// <param name="step">Points per real or whole-number range (at least 1; 1 takes the middle). Default 10.</param>
    /// <param name="shuffleSeed">When set, the grid is visited in a random order from this seed.</param>
    public GridSearchTuner(SearchSpace searchSpace, int step = 10, int? shuffleSeed = null) : base(searchSpace, shuffleSeed ?? 0)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "The grid step must be at least 1.");
        Step = step;
        _plan = new GridPlan(searchSpace, step);
        if (shuffleSeed is not null)
        {
            if (_plan.Count <= 1 << 22)
            {
                _order = Enumerable.Range(0, (int)_plan.Count).ToArray();
                Random.Shuffle(_order);
            }
            else _drawn = [];
        }
    }

    /// <summary>Points per range.</summary>
    public int Step { get; }

    /// <summary>The number of distinct grid points (each branch of a one-of option counted with its own points only).</summary>
    public double GridSize => (double)_plan.Count;

    private protected override double[] Next()
    {
        // each point is distinct by construction, so this skips only points evaluated or pending elsewhere: at most
        // as many as the study has trials
        while (_position < _plan.Count)
        {
            ThrowIfStopped();
            var x = _plan.PointAt(NextIndex());
            var p = SearchSpace.SampleFromFeatureSpace(x);
            if (IsTaken(p) || !_proposed.Add(p)) continue;
            return x;
        }
        throw new TunerExhaustedException($"The grid of {_plan.Count} points (step {Step}) has been fully proposed.");
    }

    BigInteger NextIndex()
    {
        var i = _position++;
        if (_order is not null) return _order[(int)i];
        if (_drawn is null) return i;
        while (true)
        {
            var candidate = RandomBelow(_plan.Count);
            if (_drawn.Add(candidate)) return candidate;
        }
    }

    BigInteger RandomBelow(BigInteger n)
    {
        if (n <= long.MaxValue) return Random.NextInt64((long)n);
        var bytes = new byte[n.GetByteCount(isUnsigned: true) + 8];
        Random.NextBytes(bytes);
        return BigInteger.Remainder(new BigInteger(bytes, isUnsigned: true), n);
    }

    private protected override bool CanDrawAtRandom => false;

    private protected override void Observe(double[] x, double loss) { }
}
