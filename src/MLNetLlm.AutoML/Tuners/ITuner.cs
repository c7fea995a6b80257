using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// Ask-and-tell search over a <see cref="SearchSpace"/>: <see cref="Propose"/> the next point to try, then
/// <see cref="Update"/> with how it went. Several proposals may be out at once (parallel trials), results may arrive in
/// any order, and results of trials this tuner never proposed (a resumed study, another worker) are accepted too;
/// trials still running elsewhere are announced with <see cref="AddPending"/> so that proposals go around them.
/// Tuners minimise <see cref="TrialResult.Loss"/>; failed trials are reported with their status.
/// </summary>
public interface ITuner
{
    /// <summary>
    /// The next point to evaluate for trial <paramref name="settings"/>: never a point already evaluated or pending
    /// (unless the tuner says so by throwing). Returns in bounded time and gives up with
    /// <see cref="OperationCanceledException"/> when <see cref="TrialSettings.CancellationToken"/> fires.
    /// </summary>
    /// <exception cref="TunerExhaustedException">When the tuner has nothing left to propose (a finished grid, or a
    /// space whose every point has been evaluated).</exception>
    Parameter Propose(TrialSettings settings);

    /// <summary>Tells the tuner how a trial ended.</summary>
    void Update(TrialResult result);

    /// <summary>
    /// Tells the tuner that a trial it did not propose is running or waiting (another worker's, a queued one, or one a
    /// resumed study will run again), so that it is not proposed again and, for model-based tuners, proposals spread
    /// around it. Its <see cref="Update"/> follows when it ends. The default does nothing.
    /// </summary>
    void AddPending(TrialSettings settings) { }
}
