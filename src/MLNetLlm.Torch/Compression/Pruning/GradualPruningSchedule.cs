namespace MLNetLlm.Torch.Compression.Pruning;

/// <summary>
/// Cubic sparsity schedule for pruning during fine-tuning (Zhu &amp; Gupta, 2017):
/// s(t) = s_f + (s_i − s_f)·(1 − (t − t₀)/(t₁ − t₀))³ for t₀ ≤ t ≤ t₁, s_i before, s_f after; pruning happens every
/// <see cref="Frequency"/> steps. Prunes fast while the network has many redundant weights, slowly near the target.
/// </summary>
public sealed class GradualPruningSchedule
{
    /// <param name="finalSparsity">Target sparsity s_f, in [0, 1).</param>
    /// <param name="startStep">First pruning step t₀ (≥ 0).</param>
    /// <param name="endStep">Step t₁ from which the target holds (&gt; t₀).</param>
    /// <param name="initialSparsity">Sparsity s_i at t₀ (default 0, ≤ s_f).</param>
    /// <param name="frequency">Prune every this many steps (default 1).</param>
    public GradualPruningSchedule(double finalSparsity, int startStep, int endStep, double initialSparsity = 0, int frequency = 1)
    {
        if (finalSparsity is < 0 or >= 1 || double.IsNaN(finalSparsity)) throw new ArgumentOutOfRangeException(nameof(finalSparsity), finalSparsity, "Must be in [0, 1).");
        if (initialSparsity < 0 || initialSparsity > finalSparsity || double.IsNaN(initialSparsity))
            throw new ArgumentOutOfRangeException(nameof(initialSparsity), initialSparsity, "Must be in [0, final sparsity].");
        if (startStep < 0) throw new ArgumentOutOfRangeException(nameof(startStep), startStep, "Must be ≥ 0.");
        if (endStep <= startStep) throw new ArgumentOutOfRangeException(nameof(endStep), endStep, $"Must be > start step {startStep}.");
        if (frequency < 1) throw new ArgumentOutOfRangeException(nameof(frequency), frequency, "Must be ≥ 1.");
        FinalSparsity = finalSparsity;
        InitialSparsity = initialSparsity;
        StartStep = startStep;
        EndStep = endStep;
        Frequency = frequency;
    }

    public double FinalSparsity { get; }
    public double InitialSparsity { get; }
    public int StartStep { get; }
    public int EndStep { get; }
    public int Frequency { get; }

    /// <summary>Target sparsity at optimizer step <paramref name="step"/> (0-based).</summary>
    public double SparsityAt(int step)
    {
        if (step < StartStep) return 0;
        if (step >= EndStep) return FinalSparsity;
        double progress = (double)(step - StartStep) / (EndStep - StartStep);
        return FinalSparsity + (InitialSparsity - FinalSparsity) * Math.Pow(1 - progress, 3);
    }

    /// <summary>Whether masks are recomputed at <paramref name="step"/>: every <see cref="Frequency"/> steps from t₀, and at t₁.</summary>
    public bool IsPruningStep(int step) =>
        step >= StartStep && (step == EndStep || (step < EndStep && (step - StartStep) % Frequency == 0));
}
