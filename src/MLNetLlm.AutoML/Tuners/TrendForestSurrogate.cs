namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// A semi-parametric surrogate: a <see cref="LocalQuadraticTrend"/> plus a <see cref="RandomForestSurrogate"/> fitted to
/// the trend's residuals. The trend gives the mean a slope near the incumbent (so it can predict below the best value
/// seen, downhill); the forest corrects the trend and supplies the variance. Without the trend it is the forest alone.
/// </summary>
internal sealed class TrendForestSurrogate(RandomForestSurrogate forest, bool useTrend)
{
    readonly LocalQuadraticTrend? _trend = useTrend ? new LocalQuadraticTrend() : null;

    public void Fit(double[][] x, double[] y)
    {
        if (_trend is null)
        {
            forest.Fit(x, y);
            return;
        }
        _trend.Fit(x, y);
        forest.Fit(x, y.Select((v, i) => v - _trend.Predict(x[i])).ToArray());
    }

    /// <summary>The prediction (trend plus the forest's mean of the residuals) and the forest's variance.</summary>
    public (double Mean, double Variance) Predict(double[] x)
    {
        var (mean, variance) = forest.Predict(x);
        return (mean + (_trend?.Predict(x) ?? 0), variance);
    }
}
