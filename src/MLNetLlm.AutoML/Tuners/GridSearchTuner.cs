using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// Every combination of: each value of every choice, and <c>step</c> evenly spaced points (both ends included) of
/// every range. Points that map to the same parameter (e.g. a whole-number range with fewer values than
/// <c>step</c>) are proposed once, and no point already evaluated (in this run, a resumed study, or by another worker)
/// is proposed again. In grid order by default, or in a seeded random order (better when the budget is smaller than
/// the grid). Throws <see cref="TunerExhaustedException"/> when the grid is done.
/// </summary>
public sealed class GridSearchTuner : HypercubeTuner
{
    readonly int[] _counts;
    readonly double _total;
    readonly int[]? _order;           // a shuffled permutation, for grids small enough to hold one
    readonly HashSet<long>? _drawn;   // indices drawn so far, for shuffled grids too large for a permutation
    readonly HashSet<Parameter> _proposed = [];
    long _position;

    /// <summary>A grid over <paramref name="searchSpace"/> with <paramref name="step"/> points per range.</summary>
    /// <param name="searchSpace">The space.</param>
    /// <param name="step">Points per real or whole-number range (at least 1; 1 takes the middle). Default 10.</param>
    /// <param name="shuffleSeed">When set, the grid is visited in a random order from this seed.</param>
    public GridSearchTuner(SearchSpace searchSpace, int step = 10, int? shuffleSeed = null) : base(searchSpace, shuffleSeed ?? 0)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "The grid step must be at least 1.");
        Step = step;
        _counts = Levels.Select(l => l > 0 ? l : step).ToArray();
        _total = _counts.Aggregate(1.0, (a, c) => a * c);
        if (shuffleSeed is not null)
        {
            if (_total <= 1 << 22)
            {
                _order = Enumerable.Range(0, (int)_total).ToArray();
                Random.Shuffle(_order);
            }
            else _drawn = [];
        }
    }

    /// <summary>Points per range.</summary>
    public int Step { get; }

    /// <summary>The number of grid points (before merging points that map to the same parameter).</summary>
    public double GridSize => _total;

    private protected override double[] Next()
    {
        while (_position < _total)
        {
            long index = NextIndex();
            var x = PointAt(index);
            var p = SearchSpace.SampleFromFeatureSpace(x);
            if (WasEvaluated(p) || !_proposed.Add(p)) continue;
            return x;
        }
        throw new TunerExhaustedException($"The grid of {_total} points (step {Step}) has been fully proposed.");
    }

    long NextIndex()
    {
        long i = _position++;
        if (_order is not null) return _order[i];
        if (_drawn is null) return i;
        long total = (long)Math.Min(_total, long.MaxValue);
        while (true)
        {
            long candidate = Random.NextInt64(total);
            if (_drawn.Add(candidate)) return candidate;
        }
    }

    double[] PointAt(long index)
    {
        var x = new double[_counts.Length];
        for (int d = _counts.Length - 1; d >= 0; d--)
        {
            int c = _counts[d];
            int j = (int)(index % c);
            index /= c;
            x[d] = Levels[d] > 0 ? (j + 0.5) / c : c == 1 ? 0.5 : (double)j / (c - 1);
        }
        return x;
    }

    private protected override void Observe(double[] x, double loss) { }
}
