namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// The running trial, as seen by code that trains: its settings, its cancellation, and <see cref="Report"/> for
/// intermediate metrics (after each fold, epoch or boosting round) so the experiment's pruner can stop a bad trial early.
/// </summary>
public sealed class TrialContext
{
    readonly Action<int, double> _report;
    readonly Action<int, double> _reportLoss;

    internal TrialContext(TrialSettings settings, Action<int, double> report, Action<int, double> reportLoss, CancellationToken cancellationToken)
    {
        Settings = settings;
        _report = report;
        _reportLoss = reportLoss;
        CancellationToken = cancellationToken;
    }

    /// <summary>The trial's settings.</summary>
    public TrialSettings Settings { get; }

    /// <summary>Cancelled when the trial times out, the budget ends, or the experiment is cancelled.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// Reports the experiment's metric after <paramref name="step"/> (1, 2, … : folds, epochs, rounds).
    /// </summary>
    /// <exception cref="TrialPrunedException">When the pruner decides the trial should stop.</exception>
    public void Report(int step, double metric)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "Steps count from 1.");
        CancellationToken.ThrowIfCancellationRequested();
        _report(step, metric);
    }

    /// <summary>
    /// Reports a loss (lower is better, e.g. a trainer's validation loss) after <paramref name="step"/>, for trainers
    /// that cannot compute the experiment's metric mid-training. Use one kind of report per study.
    /// </summary>
    /// <exception cref="TrialPrunedException">When the pruner decides the trial should stop.</exception>
    public void ReportLoss(int step, double loss)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "Steps count from 1.");
        CancellationToken.ThrowIfCancellationRequested();
        _reportLoss(step, loss);
    }
}
