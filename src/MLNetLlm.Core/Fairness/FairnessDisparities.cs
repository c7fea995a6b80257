namespace MLNetLlm.Fairness;

/// <summary>
/// Disparity summaries over the groups, Fairlearn's <c>method="between_groups"</c>: a difference is the largest group
/// value minus the smallest, a ratio the smallest divided by the largest (NaN when the largest is 0, as pandas' 0/0 in
/// Fairlearn). Equalized odds combine the true- and false-positive rates: the larger of the two differences, the smaller
/// of the two ratios (Fairlearn's default <c>agg="worst_case"</c>). Disparities that do not apply are NaN.
/// </summary>
public sealed record FairnessDisparities
{
    /// <summary>max − min of the groups' selection rates (<c>demographic_parity_difference</c>); 0 is parity.</summary>
    public double DemographicParityDifference { get; init; } = double.NaN;

    /// <summary>min / max of the groups' selection rates (<c>demographic_parity_ratio</c>); 1 is parity.</summary>
    public double DemographicParityRatio { get; init; } = double.NaN;

    /// <summary>max − min of the groups' true positive rates (recall).</summary>
    public double TruePositiveRateDifference { get; init; } = double.NaN;

    /// <summary>max − min of the groups' false positive rates.</summary>
    public double FalsePositiveRateDifference { get; init; } = double.NaN;

    /// <summary>max(TPR difference, FPR difference) (<c>equalized_odds_difference</c>).</summary>
    public double EqualizedOddsDifference { get; init; } = double.NaN;

    /// <summary>min(TPR ratio, FPR ratio) (<c>equalized_odds_ratio</c>).</summary>
    public double EqualizedOddsRatio { get; init; } = double.NaN;

    /// <summary>max − min of the groups' accuracies (<c>MetricFrame(accuracy_score).difference()</c>).</summary>
    public double AccuracyDifference { get; init; } = double.NaN;

    /// <summary>min / max of the groups' accuracies.</summary>
    public double AccuracyRatio { get; init; } = double.NaN;
}
