namespace MLNetLlm.Torch.Compression.Pruning;

/// <summary>
/// Drives a <see cref="MagnitudePruner"/> along a <see cref="GradualPruningSchedule"/> during fine-tuning: call
/// <see cref="OnStepEnd"/> right after every optimizer step. On pruning steps the masks grow to the scheduled sparsity;
/// on every step they are re-applied so weights pruned earlier stay zero.
/// </summary>
public sealed class GradualPruner(MagnitudePruner pruner, GradualPruningSchedule schedule)
{
    private readonly MagnitudePruner _pruner = pruner ?? throw new ArgumentNullException(nameof(pruner));

    public GradualPruningSchedule Schedule { get; } = schedule ?? throw new ArgumentNullException(nameof(schedule));

    /// <summary>Sparsity reached at the last pruning step (0 before the first).</summary>
    public double CurrentSparsity { get; private set; }

    /// <summary>Call after optimizer step <paramref name="step"/> (0-based).</summary>
    public void OnStepEnd(int step)
    {
        if (Schedule.IsPruningStep(step))
        {
            double target = Schedule.SparsityAt(step);
            if (target > CurrentSparsity) CurrentSparsity = _pruner.Prune(target);
            else _pruner.ApplyMasks();
        }
        else
        {
            _pruner.ApplyMasks();
        }
    }

    /// <summary>Brings the model to the final sparsity (e.g. when training stopped early).</summary>
    public void Finish()
    {
        if (CurrentSparsity < Schedule.FinalSparsity) CurrentSparsity = _pruner.Prune(Schedule.FinalSparsity);
    }
}
