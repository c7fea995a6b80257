using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Pruners;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Storage;

/// <summary>
/// Where an experiment's trials live. Workers (threads of one experiment, or processes on several machines sharing
/// one database) hold a trial under a lease they renew; a trial whose lease expires (its worker died) is claimed again
/// by another worker, up to a number of attempts, then marked failed, so no trial is lost or run twice at once.
/// Implementations: <see cref="InMemoryTrialStorage"/>, <see cref="SqliteTrialStorage"/> (resume on one machine),
/// <see cref="PostgresTrialStorage"/> (many machines). These three also keep the study's cross-validated selection
/// (<see cref="AutoMLExperiment.SetCrossValidatedSelection"/>): its candidates and one leased job per fold, so it
/// resumes and is shared the same way; with another implementation the selection lives in memory for one run.
/// </summary>
public interface ITrialStorage : IDisposable
{
    /// <summary>Opens the study <paramref name="name"/>, creating it if needed.</summary>
    /// <exception cref="InvalidOperationException">When the study exists with another metric or direction.</exception>
    Task<StudyInfo> OpenStudyAsync(string name, string metric, bool maximize, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims a trial that needs a worker: one whose worker's lease expired (retried, or marked failed once it was
    /// started <paramref name="maxAttempts"/> times), else a queued or cancelled one. Null when there is none.
    /// </summary>
    Task<StoredTrial?> ClaimTrialAsync(int studyId, string worker, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically numbers and inserts a new running trial held by <paramref name="worker"/>, its parameter from
    /// <paramref name="propose"/> (given the new number). Null, without calling it, when the study already has
    /// <paramref name="maxTrials"/> trials, or when <paramref name="propose"/> returns null.
    /// </summary>
    Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, (Parameter Parameter, string? Pipeline)?> propose,
        string worker, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="CreateTrialAsync(int, int?, Func{int, ValueTuple{Parameter, string}?}, string, TimeSpan, CancellationToken)"/>, and
    /// <paramref name="propose"/> also gets every trial of the study, read under the same lock that numbers the new
    /// one: no other worker adds a trial in between, so a proposer that avoids their parameters (finished, running,
    /// queued or cancelled) never repeats one, across threads and processes alike. The shipped storages read under
    /// the lock; the default implementation reads just before it (for storages written before this method).
    /// </summary>
    async Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, IReadOnlyList<StoredTrial>, (Parameter Parameter, string? Pipeline)?> propose,
        string worker, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(propose);
        var trials = await GetTrialsAsync(studyId, cancellationToken).ConfigureAwait(false);
        return await CreateTrialAsync(studyId, maxTrials, n => propose(n, trials), worker, lease, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Extends the lease; false when the worker no longer holds the trial.</summary>
    Task<bool> RenewLeaseAsync(long trialId, string worker, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Records an intermediate loss.</summary>
    Task AddReportAsync(long trialId, int step, double loss, CancellationToken cancellationToken = default);

    /// <summary>The intermediate reports of every trial of the study.</summary>
    Task<IReadOnlyList<IntermediateReport>> GetReportsAsync(int studyId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records how the trial ended; false (nothing written) when the worker no longer holds it. A
    /// <see cref="TrialStatus.Cancelled"/> result is recorded with its duration and error, and the trial is claimed
    /// again by a later run like a queued one (that attempt not counted).
    /// </summary>
    Task<bool> FinishTrialAsync(long trialId, string worker, TrialResult result, CancellationToken cancellationToken = default);

    /// <summary>Puts an interrupted trial back in the queue (its attempt not counted).</summary>
    Task RequeueTrialAsync(long trialId, string worker, CancellationToken cancellationToken = default);

    /// <summary>Adds a trial with a given parameter to the queue (e.g. a known good configuration to try first).</summary>
    Task<StoredTrial> EnqueueTrialAsync(int studyId, Parameter parameter, string? pipeline = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether the storage records each trial's fidelity (the share of training rows it ran on, for successive
    /// halving; <see cref="AutoMLExperiment.SetSuccessiveHalving"/>). The shipped storages do; an implementation that
    /// does not runs every trial at full fidelity.
    /// </summary>
    bool SupportsFidelity => false;

    /// <summary><see cref="CreateTrialAsync(int, int?, Func{int, ValueTuple{Parameter, string}?}, string, TimeSpan, CancellationToken)"/> for a trial at <paramref name="fidelity"/> (in (0, 1]; 1 = every training row).</summary>
    Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, (Parameter Parameter, string? Pipeline)?> propose,
        string worker, TimeSpan lease, double fidelity, CancellationToken cancellationToken = default) =>
        fidelity == 1 ? CreateTrialAsync(studyId, maxTrials, propose, worker, lease, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} does not record fidelities (SupportsFidelity is false).");

    /// <summary>The study-aware <c>CreateTrialAsync</c> (the proposer sees every trial of the study under the lock) for a trial at <paramref name="fidelity"/> (in (0, 1]).</summary>
    Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, IReadOnlyList<StoredTrial>, (Parameter Parameter, string? Pipeline)?> propose,
        string worker, TimeSpan lease, double fidelity, CancellationToken cancellationToken = default) =>
        fidelity == 1 ? CreateTrialAsync(studyId, maxTrials, propose, worker, lease, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} does not record fidelities (SupportsFidelity is false).");

    /// <summary><see cref="EnqueueTrialAsync(int, Parameter, string?, CancellationToken)"/> for a trial at <paramref name="fidelity"/> (in (0, 1]).</summary>
    Task<StoredTrial> EnqueueTrialAsync(int studyId, Parameter parameter, string? pipeline, double fidelity, CancellationToken cancellationToken = default) =>
        fidelity == 1 ? EnqueueTrialAsync(studyId, parameter, pipeline, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} does not record fidelities (SupportsFidelity is false).");

    /// <summary>Every trial of the study, by number.</summary>
    Task<IReadOnlyList<StoredTrial>> GetTrialsAsync(int studyId, CancellationToken cancellationToken = default);
}
