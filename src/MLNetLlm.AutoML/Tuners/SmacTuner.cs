using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// SMAC-style Bayesian optimisation: a random-forest surrogate (ML.NET's FastForest regression; mean and spread over
/// its trees) with Expected Improvement, maximised by random candidates plus local search around the best points.
/// Handles choices and conditional spaces naturally. Refitting the forest costs tens of milliseconds, so it is refitted
/// every <c>refitEvery</c> results once past 40 observations.
/// </summary>
public sealed class SmacTuner : ModelBasedTuner
{
    readonly RandomForestSurrogate _forest;
    readonly int _refitEvery;
    int _lastFitCount = -1;

    /// <summary>A SMAC tuner over <paramref name="searchSpace"/>.</summary>
    /// <param name="searchSpace">The space.</param>
    /// <param name="seed">Seed of the design, the forest and the acquisition search.</param>
    /// <param name="initialPoints">Random (Latin hypercube) points before the forest is used; default max(5, d+1).</param>
    /// <param name="trees">Trees in the forest (default 24).</param>
    /// <param name="refitEvery">Past 40 observations, refit after this many new results (default 2).</param>
    public SmacTuner(SearchSpace searchSpace, int seed = 0, int? initialPoints = null, int trees = 24, int refitEvery = 2)
        : base(searchSpace, seed, initialPoints, randomCandidates: 500)
    {
        if (trees < 2) throw new ArgumentOutOfRangeException(nameof(trees), trees, "The forest needs at least 2 trees.");
        if (refitEvery < 1) throw new ArgumentOutOfRangeException(nameof(refitEvery), refitEvery, "Must be at least 1.");
        _forest = new RandomForestSurrogate(trees, leaves: 32, minLeaf: 2, seed);
        _refitEvery = refitEvery;
    }

    private protected override Func<double[], double> FitAcquisition(double[][] x, double[] loss, double[][] pending)
    {
        // The forest sees log-scaled losses: splits then resolve the region near the best values instead of
        // spending themselves on the worst ones (SMAC does the same for run-time costs).
        double min = loss.Min(), range = loss.Max() - min;
        double shift = range > 0 ? 1e-3 * range : 1;
        var y = loss.Select(v => Math.Log(v - min + shift)).ToArray();
        if (_lastFitCount < 0 || x.Length <= 40 || x.Length - _lastFitCount >= _refitEvery)
        {
            _forest.Fit(x, y);
            _lastFitCount = x.Length;
        }
        double best = y.Min();
        double xi = 0.01 * (y.Max() - best);
        return p =>
        {
            var (m, v) = _forest.Predict(p);
            double ei = ExpectedImprovement.Compute(m, Math.Sqrt(v), best, xi);
            // a tie-break towards lower predicted loss keeps the local search moving on flat EI
            return ei - 1e-9 * m;
        };
    }
}
