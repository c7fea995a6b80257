using System.Diagnostics;
using Microsoft.ML;
using MLNetLlm.AutoML.Pruners;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.AutoML.Tuners;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Experiments;

// The cross-validated selection: candidates, fold workers, fold jobs (SetCrossValidatedSelection).
public sealed partial class AutoMLExperiment
{
    sealed partial class Run
    {
        /// <summary>
        /// The selection's candidates: the trials of the always-included parameters, then the holdout leaders, as
        /// trial numbers in evaluation order.
        /// </summary>
        IReadOnlyList<int> Candidates(IReadOnlyList<TrialResult> trials)
        {
            var ranked = trials.Where(t => t.IsSuccess).OrderByDescending(t => t.Fidelity).ThenBy(t => t.Loss).ThenBy(t => t.TrialSettings.TrialId).ToArray();
            var candidates = new List<int>();
            var space = pipeline.SearchSpace;
            foreach (var p in owner._baseline is { } baseline ? [baseline, .. owner._selectionAlways] : owner._selectionAlways)
                if (ranked.FirstOrDefault(t => SamePoint(space, t.TrialSettings.Parameter, p)) is { } t && !candidates.Contains(t.TrialSettings.TrialId))
                    candidates.Add(t.TrialSettings.TrialId);
            foreach (var t in ranked.Take(owner._selectionTop))
                if (!candidates.Contains(t.TrialSettings.TrialId)) candidates.Add(t.TrialSettings.TrialId);
            return candidates;
        }

        /// <summary>
        /// Re-evaluates the selection candidates (the always-included trials, then the holdout leaders) with k-fold
        /// cross-validation on every training row. The plan and one job per (candidate, fold) go to the storage the
        /// first time (a resumed run, or another worker, reads the stored plan); <c>parallelism</c> workers claim the
        /// jobs in candidate order, each fold under the trial timeout and a lease, all of it until
        /// <paramref name="stop"/> (a fold interrupted there is re-queued for a later run). Returns one result per
        /// candidate, read back from the storage in candidate order: completed with the mean and the fold values, or
        /// failed with the reason (a fold's error, or not finished in time).
        /// </summary>
        public async Task<IReadOnlyList<TrialResult>> CrossValidateAsync(IReadOnlyList<TrialResult> trials, CancellationToken stop)
        {
            var store = selection!;
            var stored = await store.GetSelectionAsync(study.Id, CancellationToken.None).ConfigureAwait(false)
                ?? await store.StartSelectionAsync(study.Id, new SelectionPlan(owner._selectionFolds, owner._selectionTop, owner._seed, Candidates(trials)),
                    CancellationToken.None).ConfigureAwait(false);
            StudyCheck.EnsureSameSelection(study.Name, stored, owner._selectionFolds, owner._selectionTop);
            var byNumber = trials.ToDictionary(t => t.TrialSettings.TrialId);
            if (stored.Candidates.FirstOrDefault(c => !byNumber.ContainsKey(c.TrialNumber)) is { } missing)
                throw new InvalidOperationException($"Study '{study.Name}': cross-validation candidate trial {missing.TrialNumber} is not among the study's trials.");
            if (stored.Candidates.Any(c => c.Status == TrialStatus.Queued))
            {
                var folds = owner.Folds(AllRows, stored.Folds, stored.Seed);
                await Task.WhenAll(Enumerable.Range(0, owner._parallelism)
                    .Select(slot => Task.Run(() => FoldWorkerAsync(store, Worker(slot), folds, stored.Seed, byNumber, stop), CancellationToken.None))).ConfigureAwait(false);
                stored = (await store.GetSelectionAsync(study.Id, CancellationToken.None).ConfigureAwait(false))!;
            }
            return stored.Candidates.Select(c => CandidateResult(c, stored.Folds, byNumber[c.TrialNumber])).ToArray();
        }

        TrialResult CandidateResult(StoredCandidate c, int k, TrialResult trial)
        {
            bool ok = c.Status == TrialStatus.Completed;
            return new TrialResult
            {
                TrialSettings = trial.TrialSettings,
                Status = ok ? TrialStatus.Completed : TrialStatus.Failed,
                Metric = ok ? c.Mean : double.NaN,
                Loss = ok ? metric.ToLoss(c.Mean) : double.NaN,
                FoldMetrics = c.FoldMetrics,
                Duration = c.Duration,
                PeakMemoryBytes = c.PeakMemoryBytes,
                Error = ok ? null : c.Error ?? $"Cross-validation did not finish before the time budget ended ({c.FoldMetrics.Count} of {k} folds).",
                Pipeline = trial.Pipeline,
            };
        }

        async Task FoldWorkerAsync(ISelectionStorage store, string worker, (IDataView Train, IDataView Validation)[] folds, int seed,
            IReadOnlyDictionary<int, TrialResult> trials, CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var job = await store.ClaimFoldAsync(study.Id, worker, owner._lease, owner._maxAttempts, stop).ConfigureAwait(false);
                    if (job is null)
                    {
                        // Another machine's running fold may still come back (its lease expiring): wait for those.
                        var now = await store.GetSelectionAsync(study.Id, stop).ConfigureAwait(false);
                        if (!now!.Candidates.SelectMany(c => c.Folds).Any(f => f.Status == TrialStatus.Queued
                                || f.Status == TrialStatus.Running && !(f.Worker ?? "").StartsWith(_process, StringComparison.Ordinal)))
                            return;
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, owner._lease.TotalMilliseconds / 4)), stop).ConfigureAwait(false);
                        continue;
                    }
                    await RunFoldAsync(store, job, worker, folds, seed, trials[job.TrialNumber], stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // the budget ran out (or the experiment was cancelled) while waiting on the storage: just stop
            }
        }

        async Task RunFoldAsync(ISelectionStorage store, StoredFold job, string worker, (IDataView Train, IDataView Validation)[] folds, int seed,
            TrialResult trial, CancellationToken stop)
        {
            int k = folds.Length;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (owner._trialTimeout is TimeSpan timeout) cts.CancelAfter(timeout);
            await using var heartbeat = LeaseHeartbeat.Start(ct => store.RenewFoldLeaseAsync(job.Id, worker, owner._lease, ct), owner._lease, cts);
            using var memory = MemorySampler.Start();
            var context = new MLContext(seed + job.TrialNumber);
            var trialContext = new TrialContext(trial.TrialSettings, (_, _) => { }, (_, _) => { }, cts.Token);
            var clock = Stopwatch.StartNew();
            FoldOutcome outcome;
            try
            {
                var (value, _, model) = await OwnThreadWork.RunAsync(() => Evaluate(context, trial.TrialSettings.Parameter, [folds[job.Fold]], trialContext, report: false),
                    context, r => r.Model as IDisposable, cts.Token).ConfigureAwait(false);
                OwnThreadWork.Dispose(model);
                outcome = double.IsFinite(value)
                    ? new FoldOutcome(TrialStatus.Completed, value, clock.Elapsed, memory.Peak, null)
                    : new FoldOutcome(TrialStatus.Failed, double.NaN, clock.Elapsed, memory.Peak, StudyCheck.FoldError(job.Fold, k, $"The metric is {value}."));
            }
            catch (Exception e) when (stop.IsCancellationRequested && !heartbeat.Lost)
            {
                // the budget ended or the experiment was cancelled: the fold goes back to the queue for a later run
                _ = e;
                await heartbeat.StopAsync().ConfigureAwait(false);
                await store.RequeueFoldAsync(job.Id, worker, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception e)
            {
                string why = heartbeat.Lost ? "this worker lost its lease on the fold (another worker took it over)."
                    : cts.IsCancellationRequested ? $"timed out after {owner._trialTimeout?.TotalSeconds} s"
                    : $"{e.GetType().Name}: {e.Message}";
                outcome = new FoldOutcome(TrialStatus.Failed, double.NaN, clock.Elapsed, memory.Peak, StudyCheck.FoldError(job.Fold, k, why));
            }
            await heartbeat.StopAsync().ConfigureAwait(false);
            if (!heartbeat.Lost) await store.FinishFoldAsync(job.Id, worker, outcome, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
