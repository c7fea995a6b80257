using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// Base of the tuners that work on unit-hypercube vectors: keeps the vector of every pending proposal, turns results
/// (also of trials it did not propose) back into vectors, and hands subclasses successes and failures.
/// </summary>
public abstract class HypercubeTuner : ITuner
{
    readonly Dictionary<int, double[]> _pending = [];
    readonly HashSet<Parameter> _evaluated = [];
    readonly object _gate = new();

    /// <summary>Checks the space (it must have at least one coordinate) and seeds the tuner's random numbers.</summary>
    private protected HypercubeTuner(SearchSpace searchSpace, int seed)
    {
        ArgumentNullException.ThrowIfNull(searchSpace);
        searchSpace.EnsureSearchable();
        SearchSpace = searchSpace;
        Dimension = searchSpace.FeatureSpaceDim;
        Levels = searchSpace.DimensionLevels.ToArray();
        Random = new Random(seed);
    }

    /// <summary>The space searched.</summary>
    public SearchSpace SearchSpace { get; }

    /// <summary>The number of coordinates.</summary>
    public int Dimension { get; }

    /// <summary>Per coordinate: the number of unordered values, or 0 for an ordered (continuous) coordinate.</summary>
    private protected int[] Levels { get; }

    private protected Random Random { get; }

    /// <summary>Vectors proposed and not yet reported.</summary>
    private protected IEnumerable<double[]> Pending => _pending.Values;

    /// <summary>Whether a parameter has already been reported (evaluated or failed).</summary>
    private protected bool WasEvaluated(Parameter p) => _evaluated.Contains(p);

    /// <inheritdoc/>
    public Parameter Propose(TrialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_gate)
        {
            var x = Next();
            if (x.Length != Dimension) throw new InvalidOperationException($"{GetType().Name} proposed {x.Length} coordinates, not {Dimension}.");
            for (int i = 0; i < x.Length; i++) x[i] = Math.Clamp(x[i], 0, 1);
            _pending[settings.TrialId] = x;
            return SearchSpace.SampleFromFeatureSpace(x);
        }
    }

    /// <inheritdoc/>
    public void Update(TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        lock (_gate)
        {
            var p = result.TrialSettings.Parameter;
            if (!_pending.Remove(result.TrialSettings.TrialId, out var x)) x = SearchSpace.MappingToFeatureSpace(p);
            _evaluated.Add(p);
            if (result.IsSuccess) Observe(x, result.Loss);
            // a completed trial whose loss is NaN or infinite (a diverged training) says as little as a crash
            else if (result.Status is TrialStatus.Failed or TrialStatus.Pruned or TrialStatus.Completed) ObserveFailure(x);
        }
    }

    /// <summary>The next vector to try, coordinates in [0,1].</summary>
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
}
