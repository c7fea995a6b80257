using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// A tuner that proposes nothing more once <paramref name="stop"/> is cancelled: the experiment then starts no new
/// trial, lets the running ones finish and returns what finished (the graceful half of an interrupted <c>train</c>).
/// </summary>
internal sealed class StoppableTuner(ITuner inner, CancellationToken stop) : ITuner
{
    /// <summary>Whether a proposal was refused because of the stop.</summary>
    public bool Stopped { get; private set; }

    public Parameter Propose(TrialSettings settings)
    {
        if (stop.IsCancellationRequested)
        {
            Stopped = true;
            throw new TunerExhaustedException("The run was interrupted: no new trials.");
        }
        return inner.Propose(settings);
    }

    public void Update(TrialResult result) => inner.Update(result);
}
