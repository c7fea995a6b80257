namespace MLNetLlm.AutoML.Experiments;

/// <summary>Metrics of a binary-classification experiment.</summary>
public enum BinaryClassificationMetric
{
    /// <summary>Accuracy (maximised).</summary>
    Accuracy,
    /// <summary>Area under the ROC curve (maximised; needs a Probability column).</summary>
    AreaUnderRocCurve,
    /// <summary>Area under the precision-recall curve (maximised; needs a Probability column).</summary>
    AreaUnderPrecisionRecallCurve,
    /// <summary>F1 of the positive class (maximised).</summary>
    F1Score,
    /// <summary>Precision of the positive class (maximised).</summary>
    PositivePrecision,
    /// <summary>Recall of the positive class (maximised).</summary>
    PositiveRecall,
    /// <summary>Log-loss (minimised; needs a Probability column).</summary>
    LogLoss,
}
