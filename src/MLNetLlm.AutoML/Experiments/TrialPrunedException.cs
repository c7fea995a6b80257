namespace MLNetLlm.AutoML.Experiments;

/// <summary>Thrown by <see cref="TrialContext.Report"/> when the pruner stops the trial; the trial is recorded as pruned.</summary>
public sealed class TrialPrunedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrialPrunedException(string message) : base(message) { }
}
