namespace MLNetLlm.AutoML.Experiments;

/// <summary>Metrics of a multiclass-classification experiment.</summary>
public enum MulticlassClassificationMetric
{
    /// <summary>Micro-averaged accuracy (maximised).</summary>
    MicroAccuracy,
    /// <summary>Macro-averaged accuracy (maximised).</summary>
    MacroAccuracy,
    /// <summary>Log-loss (minimised).</summary>
    LogLoss,
    /// <summary>Log-loss reduction over the prior (maximised).</summary>
    LogLossReduction,
}
