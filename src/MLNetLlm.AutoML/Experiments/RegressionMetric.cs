namespace MLNetLlm.AutoML.Experiments;

/// <summary>Metrics of a regression experiment.</summary>
public enum RegressionMetric
{
    /// <summary>R² (maximised).</summary>
    RSquared,
    /// <summary>Mean absolute error (minimised).</summary>
    MeanAbsoluteError,
    /// <summary>Mean squared error (minimised).</summary>
    MeanSquaredError,
    /// <summary>Root mean squared error (minimised).</summary>
    RootMeanSquaredError,
}
