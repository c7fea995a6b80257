namespace MLNetLlm.AutoML.Tuners;

/// <summary>Thrown by <see cref="ITuner.Propose"/> when every point has been proposed (e.g. the whole grid).</summary>
public sealed class TunerExhaustedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public TunerExhaustedException(string message) : base(message) { }
}
