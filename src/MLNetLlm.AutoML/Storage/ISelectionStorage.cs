namespace MLNetLlm.AutoML.Storage;

/// <summary>
/// The persisted cross-validated selection of a study (<see cref="Experiments.AutoMLExperiment.SetCrossValidatedSelection"/>):
/// which trials are re-evaluated with how many folds, and one job per (candidate, fold) that workers claim under a
/// lease exactly like trials (an expired lease is retried, then failed after the allowed attempts), so an interrupted
/// selection resumes with its unfinished folds and several workers share it without running a fold twice at once.
/// The three shipped storages implement it; an experiment on another <see cref="ITrialStorage"/> keeps its selection
/// in memory.
/// </summary>
internal interface ISelectionStorage
{
    /// <summary>The study's selection, or null when it has not started.</summary>
    Task<StoredSelection?> GetSelectionAsync(int studyId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts the study's selection with <paramref name="plan"/> (its candidates in evaluation order, one queued job
    /// per candidate and fold) unless it has started already; returns the stored selection either way (the first
    /// worker's plan wins).
    /// </summary>
    Task<StoredSelection> StartSelectionAsync(int studyId, SelectionPlan plan, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims a fold job: one whose worker's lease expired (retried, or failed once started
    /// <paramref name="maxAttempts"/> times), else the first queued one in candidate order. Null when there is none.
    /// </summary>
    Task<StoredFold?> ClaimFoldAsync(int studyId, string worker, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default);

    /// <summary>Extends the lease; false when the worker no longer holds the fold.</summary>
    Task<bool> RenewFoldLeaseAsync(long foldId, string worker, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records how the fold ended (<see cref="Experiments.TrialStatus.Completed"/> with its metric, or
    /// <see cref="Experiments.TrialStatus.Failed"/>, which fails the candidate: its queued folds are not run); false
    /// (nothing written) when the worker no longer holds it.
    /// </summary>
    Task<bool> FinishFoldAsync(long foldId, string worker, FoldOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>Puts an interrupted fold back in the queue (its attempt not counted).</summary>
    Task RequeueFoldAsync(long foldId, string worker, CancellationToken cancellationToken = default);
}
