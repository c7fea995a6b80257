namespace MLNetLlm.Fairness;

/// <summary>One audit: the overall metrics, the metrics per group (ordinal order of the group values) and the disparities.</summary>
public sealed record FairnessResult
{
    /// <summary>The label value treated as positive; null for an accuracy-only audit.</summary>
    public required string? PositiveLabel { get; init; }

    /// <summary>All rows together (Fairlearn <c>MetricFrame.overall</c>).</summary>
    public required GroupMetrics Overall { get; init; }

    /// <summary>One entry per value of the sensitive feature (Fairlearn <c>MetricFrame.by_group</c>).</summary>
    public required IReadOnlyList<GroupMetrics> Groups { get; init; }

    public required FairnessDisparities Disparities { get; init; }
}
