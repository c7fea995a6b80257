namespace MLNetLlm.Torch.Checkpoints;

/// <summary>How every key of a checkpoint was accounted for by a strict load.</summary>
public sealed record CheckpointLoadReport(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> IgnoredPretrainingKeys,
    IReadOnlyList<string> NewlyInitialized)
{
    public override string ToString() =>
        $"{Loaded.Count} loaded, {IgnoredPretrainingKeys.Count} pre-training keys ignored" +
        (NewlyInitialized.Count > 0 ? $", newly initialised: {string.Join(", ", NewlyInitialized)}" : "");
}
