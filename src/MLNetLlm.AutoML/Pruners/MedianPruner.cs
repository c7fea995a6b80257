namespace MLNetLlm.AutoML.Pruners;

/// <summary>
/// Stops a trial whose loss at a step is worse than the median of the other trials' losses at the same step, once at
/// least <c>minTrials</c> other trials reached it and past <c>warmupSteps</c>.
/// </summary>
public sealed class MedianPruner : IPruner
{
    /// <summary>A median pruner.</summary>
    /// <param name="warmupSteps">Steps never pruned (default 0: prune from the first report).</param>
    /// <param name="minTrials">Other trials needed at a step before judging (default 3).</param>
    public MedianPruner(int warmupSteps = 0, int minTrials = 3)
    {
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "Must be ≥ 0.");
        if (minTrials < 1) throw new ArgumentOutOfRangeException(nameof(minTrials), minTrials, "Must be ≥ 1.");
        WarmupSteps = warmupSteps;
        MinTrials = minTrials;
    }

    /// <summary>Steps never pruned.</summary>
    public int WarmupSteps { get; }

    /// <summary>Other trials needed at a step before judging.</summary>
    public int MinTrials { get; }

    /// <inheritdoc/>
    public bool ShouldPrune(int trialId, int step, double loss, IReadOnlyList<IntermediateReport> history)
    {
        if (step <= WarmupSteps) return false;
        var others = history.Where(r => r.TrialId != trialId && r.Step == step && double.IsFinite(r.Loss))
            .Select(r => r.Loss).Order().ToArray();
        if (others.Length < MinTrials) return false;
        double median = others.Length % 2 == 1 ? others[others.Length / 2] : (others[others.Length / 2 - 1] + others[others.Length / 2]) / 2;
        return !(loss <= median);
    }
}
