using MLNetLlm.Cli.Reporting;

namespace MLNetLlm.Cli.Progress;

/// <summary>
/// Reports a run's progress to a person: a live trial table and progress bar on a terminal
/// (<see cref="LiveProgress"/>), plain lines when the output is a file, a pipe or a CI log (<see cref="PlainProgress"/>).
/// Every method may be called from any thread.
/// </summary>
internal interface IRunProgress : IDisposable
{
    /// <summary>A long step starts (fitting a pipeline, loading a model).</summary>
    void StepStarted(string description);

    /// <summary>How far a long step has got, 0..1, with a short note (e.g. "epoch 2/3").</summary>
    void StepProgress(double fraction, string note);

    /// <summary>The current step ended.</summary>
    void StepFinished();

    /// <summary>A trial started.</summary>
    void TrialStarted(int number, string pipeline);

    /// <summary>A trial ended; <paramref name="best"/> is the best so far, <paramref name="timeLeft"/> the budget left (null: no time limit).</summary>
    void TrialFinished(TrialResult trial, TrialResult? best, TimeSpan? timeLeft);
}
