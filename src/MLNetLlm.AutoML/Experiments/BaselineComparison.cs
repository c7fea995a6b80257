namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// How the search's pick compared with the baseline configuration (<see cref="AutoMLExperiment.SetBaseline"/>) on the
/// validation data: the pick is returned only when it beats the baseline by more than the noise, else the baseline is.
/// </summary>
/// <param name="BaselineTrial">The baseline's trial number.</param>
/// <param name="ChallengerTrial">The trial the search would have picked (the baseline's own number when it was the best).</param>
/// <param name="BaselineMetric">The baseline's validation metric (mean over folds or resamples' source rows).</param>
/// <param name="ChallengerMetric">The challenger's validation metric.</param>
/// <param name="Improvement">The challenger's mean advantage in the metric's better direction (positive = better).</param>
/// <param name="LowerBound">The one-sided lower confidence bound of that advantage; the challenger wins when it is above 0.</param>
/// <param name="Confidence">The confidence of the bound (e.g. 0.95).</param>
/// <param name="Method">How the noise was measured, e.g. "paired bootstrap over 965 validation rows (1000 resamples)".</param>
/// <param name="BaselineKept">Whether the baseline is the returned model.</param>
public sealed record BaselineComparison(int BaselineTrial, int ChallengerTrial, double BaselineMetric, double ChallengerMetric,
    double Improvement, double LowerBound, double Confidence, string Method, bool BaselineKept)
{
    /// <summary>One sentence for reports.</summary>
    public string Describe() => ChallengerTrial == BaselineTrial
        ? $"The baseline (trial {BaselineTrial}) had the best validation metric: it is the returned model."
        : BaselineKept
            ? FormattableString.Invariant($"Trial {ChallengerTrial} beat the baseline (trial {BaselineTrial}) by {Improvement:+0.0000;-0.0000} on validation, but not by more than the noise ({Confidence:P0} lower bound {LowerBound:+0.0000;-0.0000}, {Method}): the baseline is returned.")
            : FormattableString.Invariant($"Trial {ChallengerTrial} beats the baseline (trial {BaselineTrial}) by {Improvement:+0.0000;-0.0000} on validation ({Confidence:P0} lower bound {LowerBound:+0.0000;-0.0000} > 0, {Method}): it is returned.");
}
