namespace MLNetLlm.Fairness;

/// <summary>
/// The metrics of one group (or of all rows), with Fairlearn's definitions for a binary outcome: TP, FP, TN, FN count
/// rows by (truth, prediction) with the positive label. A ratio whose denominator is zero is 0 (scikit-learn's
/// <c>zero_division</c> default and Fairlearn's <c>confusion_matrix(normalize="true")</c> rates): e.g. a group with no
/// actual negatives has FPR 0, not NaN. Metrics that do not apply (accuracy-only audits) are NaN.
/// </summary>
public sealed record GroupMetrics
{
    /// <summary>The group's value of the sensitive feature ("(all)" for the overall row).</summary>
    public required string Group { get; init; }

    /// <summary>Rows in the group (Fairlearn <c>count</c>).</summary>
    public required int Count { get; init; }

    /// <summary>Rows whose truth and prediction are both the positive label.</summary>
    public int TruePositives { get; init; }

    /// <summary>Rows predicted positive whose truth is not.</summary>
    public int FalsePositives { get; init; }

    /// <summary>Rows with neither truth nor prediction positive.</summary>
    public int TrueNegatives { get; init; }

    /// <summary>Rows whose truth is positive but the prediction is not.</summary>
    public int FalseNegatives { get; init; }

    /// <summary>(TP + FP) / count: the fraction predicted positive (Fairlearn <c>selection_rate</c>).</summary>
    public double SelectionRate { get; init; } = double.NaN;

    /// <summary>Fraction of rows whose prediction equals the truth (scikit-learn <c>accuracy_score</c>).</summary>
    public required double Accuracy { get; init; }

    /// <summary>TP / (TP + FP), 0 when nothing is predicted positive (<c>precision_score</c>).</summary>
    public double Precision { get; init; } = double.NaN;

    /// <summary>TP / (TP + FN), 0 when no row is positive (<c>recall_score</c>, Fairlearn <c>true_positive_rate</c>).</summary>
    public double Recall { get; init; } = double.NaN;

    /// <summary>FP / (FP + TN), 0 when no row is negative (Fairlearn <c>false_positive_rate</c>).</summary>
    public double FalsePositiveRate { get; init; } = double.NaN;

    /// <summary>FN / (TP + FN), 0 when no row is positive (Fairlearn <c>false_negative_rate</c>).</summary>
    public double FalseNegativeRate { get; init; } = double.NaN;

    /// <summary>2·TP / (2·TP + FP + FN), 0 when that is 0/0 (<c>f1_score</c>).</summary>
    public double F1 { get; init; } = double.NaN;
}
