using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// Ask-and-tell search over a <see cref="SearchSpace"/>: <see cref="Propose"/> the next point to try, then
/// <see cref="Update"/> with how it went. Several proposals may be out at once (parallel trials), results may arrive in
/// any order, and results of trials this tuner never proposed (a resumed study, another worker) are accepted too.
/// Tuners minimise <see cref="TrialResult.Loss"/>; failed trials are reported with their status.
/// </summary>
public interface ITuner
{
    /// <summary>The next point to evaluate for trial <paramref name="settings"/>.</summary>
    /// <exception cref="TunerExhaustedException">When the tuner has nothing left to propose (a finished grid).</exception>
    Parameter Propose(TrialSettings settings);

    /// <summary>Tells the tuner how a trial ended.</summary>
    void Update(TrialResult result);
}
