using MLNetLlm.AutoML.Storage;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// Asynchronous successive halving (ASHA): new configurations train on a small share of the training rows (the lowest
/// rung); a configuration in the top 1/η of the completed trials of its rung is promoted to the next rung (η times more
/// rows), up to every row. Promotions come before new configurations, the highest rung first. Rungs are fidelities
/// (shares of the training rows) kept in the trial storage, so a resumed study promotes from where it stopped.
/// </summary>
internal sealed class SuccessiveHalving(double minimumFidelity, double reductionFactor, int minimumRows, string? labelColumn)
{
    public double MinimumFidelity { get; } = minimumFidelity;
    public double ReductionFactor { get; } = reductionFactor;
    public int MinimumRows { get; } = minimumRows;

    /// <summary>The label column subsamples are stratified by (null or missing: plain random rows).</summary>
    public string? LabelColumn { get; } = labelColumn;

    /// <summary>
    /// The rungs for <paramref name="trainingRows"/> rows, ascending, the last one 1: 1, 1/η, 1/η², … down to the
    /// minimum fidelity, leaving out rungs with fewer than <see cref="MinimumRows"/> rows (small data: one rung, no halving).
    /// </summary>
    public double[] Rungs(int trainingRows)
    {
        var rungs = new List<double> { 1 };
        for (double f = 1 / ReductionFactor; f >= MinimumFidelity * (1 - 1e-9) && f * trainingRows >= MinimumRows; f /= ReductionFactor)
            rungs.Add(f);
        rungs.Reverse();
        return [.. rungs];
    }

    /// <summary>Whether two fidelities are the same rung.</summary>
    public static bool Same(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(a));

    /// <summary>
    /// The next promotion: a completed trial in the top ⌊n/η⌋ of the n completed trials of its rung whose configuration
    /// has no trial at the next rung yet (any status), checked from the highest rung down, best first; and the rung it
    /// goes to. <paramref name="affordable"/> says whether the configuration can still finish at that rung (the cost
    /// model against the time left); candidates it refuses are passed over. Null when nothing is due.
    /// </summary>
    public (StoredTrial Trial, double Fidelity)? NextPromotion(IReadOnlyList<StoredTrial> trials, double[] rungs, Func<StoredTrial, double, bool> affordable)
    {
        for (int k = rungs.Length - 2; k >= 0; k--)
        {
            var done = trials.Where(t => t.Status == TrialStatus.Completed && double.IsFinite(t.Loss) && Same(t.Fidelity, rungs[k]))
                .OrderBy(t => t.Loss).ThenBy(t => t.Number).ToArray();
            int top = (int)Math.Floor(done.Length / ReductionFactor + 1e-9);
            foreach (var t in done.Take(top))
            {
                bool promoted = trials.Any(o => Same(o.Fidelity, rungs[k + 1]) && o.Parameter.Equals(t.Parameter));
                if (!promoted && affordable(t, rungs[k + 1])) return (t, rungs[k + 1]);
            }
        }
        return null;
    }
}
