using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>What one trial runs: its number in the study and the parameter the tuner proposed for it.</summary>
public sealed class TrialSettings
{
    /// <summary>The trial's number, unique within a study (it keeps counting when a study is resumed).</summary>
    public int TrialId { get; init; }

    /// <summary>The proposed point of the search space (set by the experiment from <c>ITuner.Propose</c>).</summary>
    public Parameter Parameter { get; set; } = Parameter.FromObject([]);

    /// <summary>The share of the training rows the trial trains on (1 = all; less on successive halving's lower rungs).</summary>
    public double Fidelity { get; init; } = 1;

    /// <summary>When the trial started (UTC).</summary>
    public DateTimeOffset StartedAtUtc { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// Fires when the search stops (time budget, cancellation) while the parameter is being proposed: a tuner's
    /// <c>Propose</c> then gives up with <see cref="OperationCanceledException"/>. None by default.
    /// </summary>
    public CancellationToken CancellationToken { get; init; }
}
