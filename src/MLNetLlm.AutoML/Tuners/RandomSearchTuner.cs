using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>Uniform random points of the hypercube (so log-scaled ranges are sampled log-uniformly); seeded.</summary>
public sealed class RandomSearchTuner : HypercubeTuner
{
    /// <summary>A random search over <paramref name="searchSpace"/>.</summary>
    public RandomSearchTuner(SearchSpace searchSpace, int seed = 0) : base(searchSpace, seed) { }

    private protected override double[] Next() => RandomPoint();

    private protected override void Observe(double[] x, double loss) { }
}
