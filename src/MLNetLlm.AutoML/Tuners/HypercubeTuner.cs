using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// Base of the tuners that work on unit-hypercube vectors: keeps the vector of every pending trial (its own proposals
/// and the ones announced by <see cref="AddPending"/>), turns results (also of trials it did not propose) back into
/// vectors, and hands subclasses successes and failures. It never proposes a point already evaluated or pending: a
/// subclass's candidate that is taken is drawn again (after ten, uniform random points are drawn instead), at most
/// <see cref="MaximumDraws"/> times per proposal, after which the space counts as exhausted
/// (<see cref="TunerExhaustedException"/>). A tuner told of trials before its
/// first proposal (a resumed study, or a second worker joining one) continues with a random stream of its own, derived
/// from its seed and the number of trials it was told of, instead of replaying the first run's.
/// </summary>
public abstract class HypercubeTuner : ITuner
{
    /// <summary>Candidates drawn for one proposal before the space counts as exhausted.</summary>
    public const int MaximumDraws = 1000;

    readonly Dictionary<int, (double[] X, Parameter P)> _pending = [];
    readonly HashSet<Parameter> _evaluated = [];
    readonly HashSet<int> _finishedIds = [];
    readonly object _gate = new();
    readonly int _seed;
    bool _proposedAny;
    CancellationToken _proposing;

    /// <summary>Checks the space (it must have at least one coordinate) and seeds the tuner's random numbers.</summary>
    private protected HypercubeTuner(SearchSpace searchSpace, int seed)
    {
        ArgumentNullException.ThrowIfNull(searchSpace);
        searchSpace.EnsureSearchable();
        SearchSpace = searchSpace;
        Dimension = searchSpace.FeatureSpaceDim;
        Levels = searchSpace.DimensionLevels.ToArray();
        _seed = seed;
        Random = new Random(seed);
    }

    /// <summary>The space searched.</summary>
    public SearchSpace SearchSpace { get; }

    /// <summary>The number of coordinates.</summary>
    public int Dimension { get; }

    /// <summary>Per coordinate: the number of unordered values, or 0 for an ordered (continuous) coordinate.</summary>
    private protected int[] Levels { get; }

    /// <summary>The tuner's random numbers (re-derived once when it resumes a study: see the class remarks).</summary>
    private protected Random Random { get; private set; }

    /// <summary>Vectors of the pending trials (proposed or announced, not yet reported).</summary>
    private protected IEnumerable<double[]> Pending => _pending.Values.Select(v => v.X);

    /// <summary>Whether a parameter has been reported or is pending: proposing it again would repeat a trial.</summary>
    private protected bool IsTaken(Parameter p) => _evaluated.Contains(p) || _pending.Values.Any(v => v.P.Equals(p));

    /// <summary>Throws when the proposal in progress is to be abandoned (the search stopped).</summary>
    private protected void ThrowIfStopped() => _proposing.ThrowIfCancellationRequested();

    /// <inheritdoc/>
    public Parameter Propose(TrialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_gate)
        {
            if (!_proposedAny)
            {
                _proposedAny = true;
                int known = _evaluated.Count + _pending.Count;
                if (known > 0) Random = new Random(ResumedSeed(_seed, known));
            }
            _proposing = settings.CancellationToken;
            try
            {
                for (int draw = 0; draw < MaximumDraws; draw++)
                {
                    ThrowIfStopped();
                    // a tuner stuck on taken points (a local search in a small discrete space) gets uniform draws
                    var x = draw < OwnDraws || !CanDrawAtRandom ? Next() : RandomPoint();
                    if (x.Length != Dimension) throw new InvalidOperationException($"{GetType().Name} proposed {x.Length} coordinates, not {Dimension}.");
                    for (int i = 0; i < x.Length; i++) x[i] = Math.Clamp(x[i], 0, 1);
                    var p = SearchSpace.SampleFromFeatureSpace(x);
                    if (IsTaken(p)) continue;
                    _pending[settings.TrialId] = (x, p);
                    return p;
                }
                throw new TunerExhaustedException(
                    $"{GetType().Name} drew {MaximumDraws} candidates that were all evaluated or running already: the search space looks exhausted " +
                    $"({_evaluated.Count} points evaluated, {_pending.Count} pending).");
            }
            finally { _proposing = default; }
        }
    }

    /// <inheritdoc/>
    public void Update(TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Status is not (TrialStatus.Completed or TrialStatus.Failed or TrialStatus.Pruned))
        {
            AddPending(result.TrialSettings); // not finished: it will run (again)
            return;
        }
        lock (_gate)
        {
            var p = result.TrialSettings.Parameter;
            if (!_pending.Remove(result.TrialSettings.TrialId, out var entry)) entry = (SearchSpace.MappingToFeatureSpace(p), p);
            _evaluated.Add(p);
            _finishedIds.Add(result.TrialSettings.TrialId);
            if (result.IsSuccess) Observe(entry.X, result.Loss);
            // a completed trial whose loss is NaN or infinite (a diverged training) says as little as a crash
            else if (result.Status is TrialStatus.Failed or TrialStatus.Pruned or TrialStatus.Completed) ObserveFailure(entry.X);
        }
    }

    /// <inheritdoc/>
    public void AddPending(TrialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_gate)
        {
            if (_finishedIds.Contains(settings.TrialId) || _pending.ContainsKey(settings.TrialId)) return;
            _pending[settings.TrialId] = (SearchSpace.MappingToFeatureSpace(settings.Parameter), settings.Parameter);
        }
    }

    /// <summary>Draws of <see cref="Next"/> per proposal before uniform random points are tried instead.</summary>
    const int OwnDraws = 10;

    /// <summary>Whether uniform random points may stand in when <see cref="Next"/> keeps proposing taken points (not for a grid).</summary>
    private protected virtual bool CanDrawAtRandom => true;

    /// <summary>The next vector to try, coordinates in [0,1]. A vector whose parameter is taken is drawn again.</summary>
    private protected abstract double[] Next();

    /// <summary>A successful evaluation: lower loss is better.</summary>
    private protected abstract void Observe(double[] x, double loss);

    /// <summary>A failed or pruned evaluation.</summary>
    private protected virtual void ObserveFailure(double[] x) { }

    /// <summary>A uniformly random vector.</summary>
    private protected double[] RandomPoint()
    {
        var x = new double[Dimension];
        for (int i = 0; i < x.Length; i++) x[i] = Random.NextDouble();
        return x;
    }

    /// <summary>The seed of a tuner that starts knowing <paramref name="known"/> trials (SplitMix64 of both).</summary>
    static int ResumedSeed(int seed, int known)
    {
        ulong z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)known * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }
}
