namespace MLNetLlm.AutoML.Pruners;

/// <summary>
/// Asynchronous successive halving (ASHA): rungs at steps minStep·η^k; a trial reaching a rung continues only if its
/// loss is among the best ⌈n/η⌉ of the n trials that reached that rung so far (itself included), so about 1/η of the
/// trials go on to each next rung. No trial waits for others.
/// </summary>
public sealed class SuccessiveHalvingPruner : IPruner
{
    /// <summary>A successive-halving pruner.</summary>
    /// <param name="minStep">The first rung (default 1).</param>
    /// <param name="reductionFactor">η: rungs are η times apart and 1/η of the trials pass each (default 3).</param>
    public SuccessiveHalvingPruner(int minStep = 1, int reductionFactor = 3)
    {
        if (minStep < 1) throw new ArgumentOutOfRangeException(nameof(minStep), minStep, "Must be ≥ 1.");
        if (reductionFactor < 2) throw new ArgumentOutOfRangeException(nameof(reductionFactor), reductionFactor, "Must be ≥ 2.");
        MinStep = minStep;
        ReductionFactor = reductionFactor;
    }

    /// <summary>The first rung.</summary>
    public int MinStep { get; }

    /// <summary>η.</summary>
    public int ReductionFactor { get; }

    /// <summary>Whether <paramref name="step"/> is a rung.</summary>
    public bool IsRung(int step)
    {
        for (long r = MinStep; r <= step; r *= ReductionFactor) if (r == step) return true;
        return false;
    }

    /// <inheritdoc/>
    public bool ShouldPrune(int trialId, int step, double loss, IReadOnlyList<IntermediateReport> history)
    {
        if (!IsRung(step)) return false;
        if (!double.IsFinite(loss)) return true;
        var rung = history.Where(r => r.TrialId != trialId && r.Step == step && double.IsFinite(r.Loss)).Select(r => r.Loss).ToList();
        rung.Add(loss);
        int keep = Math.Max(1, (int)Math.Ceiling(rung.Count / (double)ReductionFactor));
        int better = rung.Count(v => v < loss);
        return better >= keep;
    }
}
