namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// The SMAC tuner's surrogate while results are few: a <see cref="GaussianProcess"/> (Matérn-5/2, one length scale
/// per coordinate, input warping, fitted by marginal likelihood as in <see cref="GaussianProcessTuner"/>) on the
/// residuals of a <see cref="LocalQuadraticTrend"/>, i.e. a Gaussian process whose prior mean is the trend. A forest
/// on 6–20 points is a coarse step function; the process interpolates smoothly between them and its variance grows
/// away from them. The trend is the one SMAC's forest sits on: screened without it (a Gaussian process with a constant
/// mean), the early phase lost on curved valleys — 1.7× the forest's regret on Rosenbrock-4 at 20 evaluations, where
/// with it the regret was 0.56× (docs/benchmarks.md, "Tuners", session 12). Without the trend it is the
/// Gaussian process alone. Hyperparameters: a thorough first search (200 likelihood evaluations), then warm-started
/// refinements of 50.
/// </summary>
internal sealed class TrendGaussianProcess
{
    readonly GaussianProcess _gp;
    readonly LocalQuadraticTrend? _trend;
    int _fits;

    /// <summary>A surrogate over [0,1]^<paramref name="dimension"/>, with or without the quadratic trend as its mean.</summary>
    public TrendGaussianProcess(int dimension, bool useTrend)
    {
        _gp = new GaussianProcess(dimension, inputWarping: true);
        _trend = useTrend ? new LocalQuadraticTrend() : null;
    }

    /// <summary>The trend, or null when the process has a constant mean.</summary>
    internal LocalQuadraticTrend? Trend => _trend;

    /// <summary>
    /// Fits the trend and the process (hyperparameters and conditioning) to (<paramref name="x"/>,
    /// <paramref name="y"/>); then, when trials are still running at <paramref name="pending"/>, conditions on them too
    /// with the fit's own prediction as their value (the "kriging believer": the variance shrinks there, the mean does
    /// not move), so parallel proposals spread out. Returns the incumbent: the lowest posterior mean at the points of
    /// <paramref name="x"/>.
    /// </summary>
    public double Fit(double[][] x, double[] y, double[][] pending, Random random)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(random);
        if (x.Length == 0 || x.Length != y.Length) throw new ArgumentException("Needs as many targets as points, at least one.", nameof(y));
        _trend?.Fit(x, y);
        var residuals = y.Select((v, i) => v - TrendAt(x[i])).ToArray();
        _gp.OptimiseHyperparameters(x, residuals, random, _fits++ == 0 ? 200 : 50);
        _gp.Condition(x, residuals);
        double incumbent = double.PositiveInfinity;
        foreach (var p in x) incumbent = Math.Min(incumbent, Predict(p).Mean);
        _gp.ConditionBelievingPending(x, residuals, pending);
        return incumbent;
    }

    /// <summary>The posterior mean (trend plus the process's mean of the residuals) and the process's variance.</summary>
    public (double Mean, double Variance) Predict(double[] x)
    {
        var (mean, variance) = _gp.Predict(x);
        return (mean + TrendAt(x), variance);
    }

    double TrendAt(double[] x) => _trend?.Predict(x) ?? 0;
}
