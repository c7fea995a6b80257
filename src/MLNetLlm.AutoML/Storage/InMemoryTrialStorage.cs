using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Pruners;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Storage;

/// <summary>Trials kept in memory: the default when an experiment sets no storage (nothing survives the process).</summary>
public sealed class InMemoryTrialStorage : ITrialStorage, ISelectionStorage
{
    readonly object _gate = new();
    readonly List<StudyInfo> _studies = [];
    readonly List<(int Study, StoredTrial Trial, DateTimeOffset Lease)> _trials = [];
    readonly List<(long TrialId, IntermediateReport Report)> _reports = [];
    readonly Dictionary<int, SelectionPlan> _selections = [];
    readonly List<(int Study, StoredFold Fold, DateTimeOffset Lease)> _folds = [];

    /// <inheritdoc/>
    public Task<StudyInfo> OpenStudyAsync(string name, string metric, bool maximize, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var s = _studies.FirstOrDefault(x => x.Name == name);
            if (s is null) _studies.Add(s = new StudyInfo(_studies.Count + 1, name, metric, maximize));
            StudyCheck.EnsureSame(s, metric, maximize);
            return Task.FromResult(s);
        }
    }

    /// <inheritdoc/>
    public Task<StoredTrial?> ClaimTrialAsync(int studyId, string worker, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            for (int i = 0; i < _trials.Count; i++)
            {
                var (study, t, expires) = _trials[i];
                if (study != studyId || t.Status != TrialStatus.Running || expires >= now) continue;
                if (t.Attempts >= maxAttempts)
                {
                    _trials[i] = (study, t with { Status = TrialStatus.Failed, Error = StudyCheck.LostMessage(t.Attempts) }, expires);
                    continue;
                }
                return Task.FromResult<StoredTrial?>(Take(i, worker, now + lease));
            }
            int q = _trials.FindIndex(x => x.Study == studyId && x.Trial.Status is TrialStatus.Queued or TrialStatus.Cancelled);
            return Task.FromResult(q < 0 ? null : Take(q, worker, now + lease));
        }
    }

    StoredTrial Take(int index, string worker, DateTimeOffset lease)
    {
        var t = _trials[index].Trial with { Status = TrialStatus.Running, Worker = worker, Attempts = _trials[index].Trial.Attempts + 1 };
        _trials[index] = (_trials[index].Study, t, lease);
        return t;
    }

    /// <inheritdoc/>
    public Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, (Parameter Parameter, string? Pipeline)?> propose,
        string worker, TimeSpan lease, CancellationToken cancellationToken = default) =>
        CreateTrialAsync(studyId, maxTrials, propose, worker, lease, 1, cancellationToken);

    /// <inheritdoc/>
    public bool SupportsFidelity => true;

    /// <inheritdoc/>
    public Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, (Parameter Parameter, string? Pipeline)?> propose,
        string worker, TimeSpan lease, double fidelity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(propose);
        return CreateTrialAsync(studyId, maxTrials, (n, _) => propose(n), worker, lease, fidelity, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, IReadOnlyList<StoredTrial>, (Parameter Parameter, string? Pipeline)?> propose,
        string worker, TimeSpan lease, CancellationToken cancellationToken = default) =>
        CreateTrialAsync(studyId, maxTrials, propose, worker, lease, 1, cancellationToken);

    /// <inheritdoc/>
    public Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, IReadOnlyList<StoredTrial>, (Parameter Parameter, string? Pipeline)?> propose,
        string worker, TimeSpan lease, double fidelity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(propose);
        StudyCheck.EnsureFidelity(fidelity);
        lock (_gate)
        {
            var mine = _trials.Where(x => x.Study == studyId).Select(x => x.Trial).OrderBy(t => t.Number).ToList();
            if (maxTrials is int max && mine.Count >= max) return Task.FromResult<StoredTrial?>(null);
            int number = mine.Count == 0 ? 1 : mine.Max(x => x.Number) + 1;
            var proposal = propose(number, mine);
            if (proposal is null) return Task.FromResult<StoredTrial?>(null);
            var t = new StoredTrial
            {
                Id = _trials.Count + 1, Number = number, Status = TrialStatus.Running, Parameter = proposal.Value.Parameter,
                Pipeline = proposal.Value.Pipeline, Worker = worker, Attempts = 1, Fidelity = fidelity,
            };
            _trials.Add((studyId, t, DateTimeOffset.UtcNow + lease));
            return Task.FromResult<StoredTrial?>(t);
        }
    }

    /// <inheritdoc/>
    public Task<bool> RenewLeaseAsync(long trialId, string worker, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            int i = Find(trialId);
            if (_trials[i].Trial.Worker != worker || _trials[i].Trial.Status != TrialStatus.Running) return Task.FromResult(false);
            _trials[i] = (_trials[i].Study, _trials[i].Trial, DateTimeOffset.UtcNow + lease);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task AddReportAsync(long trialId, int step, double loss, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var t = _trials[Find(trialId)].Trial;
            _reports.RemoveAll(r => r.TrialId == trialId && r.Report.Step == step);
            _reports.Add((trialId, new IntermediateReport(t.Number, step, loss)));
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<IntermediateReport>> GetReportsAsync(int studyId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var ids = _trials.Where(x => x.Study == studyId).Select(x => x.Trial.Id).ToHashSet();
            return Task.FromResult<IReadOnlyList<IntermediateReport>>(_reports.Where(r => ids.Contains(r.TrialId)).Select(r => r.Report).ToArray());
        }
    }

    /// <inheritdoc/>
    public Task<bool> FinishTrialAsync(long trialId, string worker, TrialResult result, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            int i = Find(trialId);
            var t = _trials[i].Trial;
            if (t.Worker != worker || t.Status != TrialStatus.Running) return Task.FromResult(false);
            _trials[i] = (_trials[i].Study, t with
            {
                Status = result.Status, Metric = result.Metric, Loss = result.Loss, Duration = result.Duration,
                PeakMemoryBytes = result.PeakMemoryBytes, Error = result.Error, Pipeline = result.Pipeline ?? t.Pipeline,
                FoldMetrics = result.FoldMetrics.ToArray(), StartedAtUtc = result.TrialSettings.StartedAtUtc,
                Attempts = result.Status == TrialStatus.Cancelled ? Math.Max(0, t.Attempts - 1) : t.Attempts,
            }, _trials[i].Lease);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task RequeueTrialAsync(long trialId, string worker, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            int i = Find(trialId);
            var t = _trials[i].Trial;
            if (t.Worker == worker && t.Status == TrialStatus.Running)
                _trials[i] = (_trials[i].Study, t with { Status = TrialStatus.Queued, Attempts = Math.Max(0, t.Attempts - 1) }, _trials[i].Lease);
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc/>
    public Task<StoredTrial> EnqueueTrialAsync(int studyId, Parameter parameter, string? pipeline = null, CancellationToken cancellationToken = default) =>
        EnqueueTrialAsync(studyId, parameter, pipeline, 1, cancellationToken);

    /// <inheritdoc/>
    public Task<StoredTrial> EnqueueTrialAsync(int studyId, Parameter parameter, string? pipeline, double fidelity, CancellationToken cancellationToken = default)
    {
        StudyCheck.EnsureFidelity(fidelity);
        lock (_gate)
        {
            int number = _trials.Where(x => x.Study == studyId).Select(x => x.Trial.Number).DefaultIfEmpty(0).Max() + 1;
            var t = new StoredTrial { Id = _trials.Count + 1, Number = number, Status = TrialStatus.Queued, Parameter = parameter, Pipeline = pipeline, Fidelity = fidelity };
            _trials.Add((studyId, t, DateTimeOffset.MinValue));
            return Task.FromResult(t);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<StoredTrial>> GetTrialsAsync(int studyId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<StoredTrial>>(_trials.Where(x => x.Study == studyId).Select(x => x.Trial).OrderBy(t => t.Number).ToArray());
    }

    int Find(long trialId)
    {
        int i = _trials.FindIndex(x => x.Trial.Id == trialId);
        return i >= 0 ? i : throw new KeyNotFoundException($"No trial with id {trialId}.");
    }

    /// <inheritdoc/>
    Task<StoredSelection?> ISelectionStorage.GetSelectionAsync(int studyId, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(Selection(studyId));
    }

    /// <inheritdoc/>
    Task<StoredSelection> ISelectionStorage.StartSelectionAsync(int studyId, SelectionPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        lock (_gate)
        {
            if (_selections.TryAdd(studyId, plan))
                for (int c = 0; c < plan.Candidates.Count; c++)
                    for (int f = 0; f < plan.Folds; f++)
                        _folds.Add((studyId, new StoredFold { Id = _folds.Count + 1, Position = c, TrialNumber = plan.Candidates[c], Fold = f, Status = TrialStatus.Queued },
                            DateTimeOffset.MinValue));
            return Task.FromResult(Selection(studyId)!);
        }
    }

    /// <inheritdoc/>
    Task<StoredFold?> ISelectionStorage.ClaimFoldAsync(int studyId, string worker, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            for (int i = 0; i < _folds.Count; i++)
            {
                var (study, f, expires) = _folds[i];
                if (study != studyId || f.Status != TrialStatus.Running || expires >= now) continue;
                if (f.Attempts < maxAttempts) return Task.FromResult<StoredFold?>(TakeFold(i, worker, now + lease));
                FailFold(i, StudyCheck.FoldLostMessage(f.Fold, _selections[studyId].Folds, f.Attempts), TimeSpan.Zero, 0);
            }
            int q = -1;
            for (int i = 0; i < _folds.Count; i++)
                if (_folds[i].Study == studyId && _folds[i].Fold.Status == TrialStatus.Queued
                    && (q < 0 || (_folds[i].Fold.Position, _folds[i].Fold.Fold).CompareTo((_folds[q].Fold.Position, _folds[q].Fold.Fold)) < 0))
                    q = i;
            return Task.FromResult(q < 0 ? null : TakeFold(q, worker, now + lease));
        }
    }

    StoredFold TakeFold(int index, string worker, DateTimeOffset lease)
    {
        var f = _folds[index].Fold with { Status = TrialStatus.Running, Worker = worker, Attempts = _folds[index].Fold.Attempts + 1 };
        _folds[index] = (_folds[index].Study, f, lease);
        return f;
    }

    /// <summary>Fails fold <paramref name="index"/>; the queued folds of its candidate are not run.</summary>
    void FailFold(int index, string error, TimeSpan duration, long peak)
    {
        var (study, f, lease) = _folds[index];
        _folds[index] = (study, f with { Status = TrialStatus.Failed, Metric = double.NaN, Error = error, Duration = duration, PeakMemoryBytes = peak }, lease);
        for (int i = 0; i < _folds.Count; i++)
            if (_folds[i].Study == study && _folds[i].Fold.Position == f.Position && _folds[i].Fold.Status == TrialStatus.Queued)
                _folds[i] = (study, _folds[i].Fold with { Status = TrialStatus.Pruned, Error = StudyCheck.SkippedFoldMessage(f.Fold) }, _folds[i].Lease);
    }

    /// <inheritdoc/>
    Task<bool> ISelectionStorage.RenewFoldLeaseAsync(long foldId, string worker, TimeSpan lease, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            int i = FindFold(foldId);
            if (_folds[i].Fold.Worker != worker || _folds[i].Fold.Status != TrialStatus.Running) return Task.FromResult(false);
            _folds[i] = (_folds[i].Study, _folds[i].Fold, DateTimeOffset.UtcNow + lease);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    Task<bool> ISelectionStorage.FinishFoldAsync(long foldId, string worker, FoldOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        lock (_gate)
        {
            int i = FindFold(foldId);
            var f = _folds[i].Fold;
            if (f.Worker != worker || f.Status != TrialStatus.Running) return Task.FromResult(false);
            if (outcome.Status == TrialStatus.Completed)
                _folds[i] = (_folds[i].Study, f with { Status = TrialStatus.Completed, Metric = outcome.Metric, Duration = outcome.Duration,
                    PeakMemoryBytes = outcome.PeakMemoryBytes, Error = null }, _folds[i].Lease);
            else FailFold(i, outcome.Error ?? "failed", outcome.Duration, outcome.PeakMemoryBytes);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    Task ISelectionStorage.RequeueFoldAsync(long foldId, string worker, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            int i = FindFold(foldId);
            var f = _folds[i].Fold;
            if (f.Worker == worker && f.Status == TrialStatus.Running)
                _folds[i] = (_folds[i].Study, f with { Status = TrialStatus.Queued, Attempts = Math.Max(0, f.Attempts - 1) }, _folds[i].Lease);
            return Task.CompletedTask;
        }
    }

    StoredSelection? Selection(int studyId)
    {
        if (!_selections.TryGetValue(studyId, out var plan)) return null;
        var folds = _folds.Where(x => x.Study == studyId).Select(x => x.Fold).ToArray();
        return new StoredSelection(plan.Folds, plan.TopTrials, plan.Seed,
            plan.Candidates.Select((n, c) => StoredCandidate.From(c, n, plan.Folds, folds)).ToArray());
    }

    int FindFold(long foldId)
    {
        int i = _folds.FindIndex(x => x.Fold.Id == foldId);
        return i >= 0 ? i : throw new KeyNotFoundException($"No cross-validation fold with id {foldId}.");
    }

    /// <inheritdoc/>
    public void Dispose() { }
}
