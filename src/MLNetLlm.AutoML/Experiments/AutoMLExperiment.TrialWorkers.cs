using System.Diagnostics;
using Microsoft.ML;
using MLNetLlm.AutoML.Pruners;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.AutoML.Tuners;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Experiments;

// The search's trial workers: the tuner (proposals, what it is told), promotions, running and scoring trials, pruning reports.
public sealed partial class AutoMLExperiment
{
    sealed partial class Run
    {
        /// <summary>Tells the tuner about finished trials it has not heard of (earlier runs, other workers).</summary>
        public async Task SyncTunerAsync(CancellationToken ct)
        {
            var trials = await storage.GetTrialsAsync(study.Id, ct).ConfigureAwait(false);
            lock (_tunerGate)
                foreach (var t in trials)
                    if (t.IsFinished && _told.Add(t.Number)) Learn(t.ToResult());
        }

        /// <summary>
        /// Learns from a finished trial: its cost (seconds per training row of its pipeline), and, for the first trial of
        /// a configuration only (a promotion repeats the configuration on more rows), the tuner. Call under the tuner's lock.
        /// </summary>
        void Learn(TrialResult r)
        {
            if (r.IsSuccess || r.Status == TrialStatus.Failed && r.Error is { } e && e.StartsWith("Timed out", StringComparison.Ordinal))
                _cost.Observe(r.Pipeline, RowsAt(r.Fidelity), r.Duration.TotalSeconds);
            if (_toldParameters.Add(r.TrialSettings.Parameter)) TellTuner(r);
        }

        void TellTuner(TrialResult r)
        {
            try { tuner.Update(r); }
            catch (Exception e) when (IsForeignParameter(e)) { /* a stored parameter outside today's space (the pipeline changed): nothing to learn */ }
        }

        /// <summary>
        /// The parameter of new trial <paramref name="number"/> at <paramref name="fidelity"/>, called under the storage's
        /// lock with every trial of the study: the tuner first hears of the finished ones it has not been told about
        /// (<see cref="Learn"/>) and of the running, queued and cancelled ones (pending: another worker's, or to be run
        /// again), then proposes; a proposal equal to a trial of the study (by parameter hash) is drawn again. Under a time
        /// budget, a proposal the cost model says cannot finish in the time left is told to the tuner as failed and
        /// skipped (up to 25 in a row, and for at most the experiment's maximum skip time). Null when the tuner is exhausted or the search stopped.
        /// </summary>
        (Parameter Parameter, string? Pipeline)? ProposeNew(int number, IReadOnlyList<StoredTrial> existing, double fidelity, CancellationToken stop)
        {
            lock (_tunerGate)
            {
                var taken = new HashSet<string>(StringComparer.Ordinal);
                foreach (var t in existing)
                {
                    taken.Add(t.ParameterHash);
                    if (t.IsFinished) { if (_told.Add(t.Number)) Learn(t.ToResult()); }
                    else if (!_told.Contains(t.Number) && !_toldParameters.Contains(t.Parameter)) TellPending(t);
                }
                int skips = 0;
                // all of this runs inside the storage's write transaction, which the other workers wait on (SQLite gives
                // up after its 30 s busy timeout): skipping stops after owner._maximumSkipTime and takes the proposal
                var held = System.Diagnostics.Stopwatch.StartNew();
                for (int draw = 0; draw < MaximumRedraws; draw++)
                {
                    Parameter p;
                    try { p = tuner.Propose(new TrialSettings { TrialId = number, Fidelity = fidelity, CancellationToken = stop }); }
                    catch (TunerExhaustedException e) { Exhausted = e.Message; return null; }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested) { return null; }
                    if (taken.Contains(p.Hash))
                    {
                        // a tuner that does not track pending trials proposed a parameter the study already has
                        tuner.AddPending(new TrialSettings { TrialId = --_phantom, Parameter = p });
                        continue;
                    }
                    string? description = pipeline.Describe(p);
                    if (skips >= 24 || !owner._skipUnaffordable || held.Elapsed >= owner._maximumSkipTime || SecondsLeft() is not double left
                        || _cost.Predict(description, RowsAt(fidelity)) is not double predicted || predicted <= left)
                        return (p, description);
                    skips++;
                    Interlocked.Increment(ref _skipped);
                    TellTuner(new TrialResult
                    {
                        TrialSettings = new TrialSettings { TrialId = number, Parameter = p, Fidelity = fidelity }, Status = TrialStatus.Failed,
                        Error = FormattableString.Invariant($"Skipped: predicted {predicted:F0} s, {left:F0} s left."), Pipeline = description,
                    });
                    _toldParameters.Add(p);
                    taken.Add(p.Hash);
                }
                Exhausted = $"{MaximumRedraws} proposals in a row repeated parameters the study already has or could not finish in time";
                return null;
            }
        }

        const int MaximumRedraws = 100;
        int _phantom;

        void TellPending(StoredTrial t)
        {
            try { tuner.AddPending(new TrialSettings { TrialId = t.Number, Parameter = t.Parameter }); }
            catch (Exception e) when (IsForeignParameter(e)) { /* a stored parameter outside today's space (the pipeline changed) */ }
        }

        /// <summary>
        /// Successive halving: queues the next promotion due (<see cref="SuccessiveHalving.NextPromotion"/>) if its
        /// predicted cost fits the time left; true when one was queued. One worker of this process at a time.
        /// </summary>
        async Task<bool> PromoteAsync(CancellationToken stop)
        {
            if (Rungs.Length < 2) return false;
            await _promotionGate.WaitAsync(stop).ConfigureAwait(false);
            try
            {
                var trials = await storage.GetTrialsAsync(study.Id, stop).ConfigureAwait(false);
                if (owner._maxTrials is int max && trials.Count >= max) return false;
                var next = owner._halving!.NextPromotion(trials, Rungs, (t, f) =>
                {
                    if (!owner._skipUnaffordable || SecondsLeft() is not double left || _cost.Predict(t.Pipeline, RowsAt(f)) is not double predicted || predicted <= left)
                        return true;
                    Interlocked.Increment(ref _skipped);
                    return false;
                });
                if (next is not { } promotion) return false;
                await storage.EnqueueTrialAsync(study.Id, promotion.Trial.Parameter, promotion.Trial.Pipeline, promotion.Fidelity, stop).ConfigureAwait(false);
                return true;
            }
            finally { _promotionGate.Release(); }
        }

        /// <summary>What mapping a parameter of another space into this one throws (a missing key, a wrong kind, a value out of range).</summary>
        static bool IsForeignParameter(Exception e) => e is ArgumentException or KeyNotFoundException or InvalidOperationException or FormatException;

        public async Task WorkerAsync(int slot, CancellationToken stop)
        {
            try { await WorkAsync(Worker(slot), stop).ConfigureAwait(false); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // the budget ran out (or the experiment was cancelled) while waiting on the storage: just stop
            }
        }

        async Task WorkAsync(string worker, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                if (selection is not null && await selection.GetSelectionAsync(study.Id, stop).ConfigureAwait(false) is not null)
                {
                    SelectionStarted = true; // another worker got there first: the search is over for this study
                    return;
                }
                var trial = await storage.ClaimTrialAsync(study.Id, worker, owner._lease, owner._maxAttempts, stop).ConfigureAwait(false);
                if (trial is null)
                {
                    if (await PromoteAsync(stop).ConfigureAwait(false)) continue; // queued: claimed on the next turn
                    double fidelity = Rungs[0];
                    trial = await storage.CreateTrialAsync(study.Id, owner._maxTrials, (number, existing) => ProposeNew(number, existing, fidelity, stop),
                        worker, owner._lease, fidelity, stop).ConfigureAwait(false);
                }
                if (trial is null)
                {
                    // Nothing to propose. Another machine's running trial may still come back (its lease expiring),
                    // so wait for those; our own running trials finish by themselves.
                    var all = await storage.GetTrialsAsync(study.Id, stop).ConfigureAwait(false);
                    if (!all.Any(t => t.Status is TrialStatus.Running or TrialStatus.Queued && !(t.Worker ?? "").StartsWith(_process, StringComparison.Ordinal)))
                        return;
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, owner._lease.TotalMilliseconds / 4)), stop).ConfigureAwait(false);
                    continue;
                }
                await RunTrialAsync(trial, worker, stop).ConfigureAwait(false);
            }
        }

        async Task RunTrialAsync(StoredTrial trial, string worker, CancellationToken stop)
        {
            var settings = new TrialSettings { TrialId = trial.Number, Parameter = trial.Parameter, Fidelity = trial.Fidelity, StartedAtUtc = DateTimeOffset.UtcNow };
            owner.TrialStarted?.Invoke(owner, settings);
            using var trialCts = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (owner._trialTimeout is TimeSpan timeout) trialCts.CancelAfter(timeout);
            await using var heartbeat = LeaseHeartbeat.Start(ct => storage.RenewLeaseAsync(trial.Id, worker, owner._lease, ct), owner._lease, trialCts);
            using var memory = MemorySampler.Start();
            var clock = Stopwatch.StartNew();
            var context = new MLContext(TrialSeeds.For(owner._seed, trial.Parameter));
            TrialResult result;
            ITransformer? model = null;
            try
            {
                var trialContext = new TrialContext(settings, (step, value) => Report(trial, step, metric.ToLoss(value), value, trialCts.Token),
                    (step, loss) => Report(trial, step, loss, loss, trialCts.Token), trialCts.Token);
                var (value, folds, m) = await OwnThreadWork.RunAsync(() => Evaluate(context, trial.Parameter, SplitsAt(trial.Fidelity), trialContext), context,
                    r => r.Model as IDisposable, trialCts.Token).ConfigureAwait(false);
                model = m;
                bool ok = double.IsFinite(value);
                result = Result(settings, trial, ok ? TrialStatus.Completed : TrialStatus.Failed, clock.Elapsed, memory.Peak,
                    value, folds, ok ? null : $"The metric is {value}.", model);
            }
            catch (TrialPrunedException e)
            {
                result = Result(settings, trial, TrialStatus.Pruned, clock.Elapsed, memory.Peak, double.NaN, [], e.Message, null);
            }
            catch (Exception e) when (trialCts.IsCancellationRequested && !heartbeat.Lost && stop.IsCancellationRequested)
            {
                // the budget ended or the experiment was cancelled: recorded as cancelled with how long it ran (a
                // resumed study runs it again); a trainer that ignores the cancellation is abandoned, its result discarded
                var ran = clock.Elapsed;
                bool stopped = await OwnThreadWork.StoppedAsync(e, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                string why = UserCancellation.IsCancellationRequested ? "the experiment was cancelled" : "the time budget ended";
                string training = stopped ? "its training stopped" : "its training did not stop within a second and was abandoned (whatever it produces is discarded)";
                result = Result(settings, trial, TrialStatus.Cancelled, ran, memory.Peak, double.NaN, [],
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Stopped after {ran.TotalSeconds:F1} s: {why}; {training}. A resumed study runs it again."), null);
            }
            catch (Exception e)
            {
                string error = heartbeat.Lost ? "This worker lost its lease on the trial (another worker took it over)."
                    : trialCts.IsCancellationRequested ? $"Timed out after {owner._trialTimeout?.TotalSeconds} s (training cancelled; a trainer that does not stop at once is left to finish on its own thread, its model discarded)."
                    : $"{e.GetType().Name}: {e.Message}";
                if (Environment.GetEnvironmentVariable("MLNETLLM_DEBUG") is "1" or "true") Console.Error.WriteLine($"trial {trial.Number}: {e}");
                result = Result(settings, trial, TrialStatus.Failed, clock.Elapsed, memory.Peak, double.NaN, [], error, null);
            }
            await heartbeat.StopAsync().ConfigureAwait(false);
            if (heartbeat.Lost) { OwnThreadWork.Dispose(model); return; }
            if (!await storage.FinishTrialAsync(trial.Id, worker, result, CancellationToken.None).ConfigureAwait(false))
                OwnThreadWork.Dispose(model);
            else
            {
                if (result.Status != TrialStatus.Cancelled)
                    lock (_tunerGate)
                        if (_told.Add(trial.Number)) Learn(result);
                bool kept = false;
                try
                {
                    owner.TrialCompleted?.Invoke(owner, result);
                    // only a full-fidelity trial trained on the rows the final model would be refitted on
                    kept = result.IsSuccess && trial.Fidelity >= 1 && KeepIfBest(trial.Number, result.Loss, model);
                }
                finally { if (!kept) OwnThreadWork.Dispose(model); } // only the best model (or the refitted one) is kept
                Results[trial.Number] = new TrialResult
                {
                    TrialSettings = result.TrialSettings, Status = result.Status, Metric = result.Metric, Loss = result.Loss,
                    FoldMetrics = result.FoldMetrics, Duration = result.Duration, PeakMemoryBytes = result.PeakMemoryBytes,
                    Error = result.Error, Pipeline = result.Pipeline, Fidelity = result.Fidelity, // the model is not kept: only the refitted best one is
                };
            }
        }

        TrialResult Result(TrialSettings settings, StoredTrial trial, TrialStatus status, TimeSpan duration, long peak, double value,
            IReadOnlyList<double> folds, string? error, ITransformer? model) => new()
        {
            TrialSettings = settings,
            Status = status,
            Metric = status == TrialStatus.Completed ? value : double.NaN,
            Loss = status == TrialStatus.Completed ? metric.ToLoss(value) : double.NaN,
            FoldMetrics = folds,
            Duration = duration,
            PeakMemoryBytes = peak,
            Error = error,
            Pipeline = trial.Pipeline ?? SafeDescribe(trial.Parameter),
            Model = model,
            Fidelity = trial.Fidelity,
        };

        /// <summary>
        /// Fits and scores <paramref name="parameter"/> on each split; returns the mean, the per-fold values (none for
        /// one split) and the last fold's model (the others are disposed).
        /// </summary>
        public (double Metric, IReadOnlyList<double> Folds, ITransformer Model) Evaluate(MLContext context, Parameter parameter,
            (IDataView Train, IDataView Validation)[] folds, TrialContext trial, bool report = true)
        {
            var values = new List<double>();
            ITransformer? model = null;
            for (int f = 0; f < folds.Length; f++)
            {
                trial.CancellationToken.ThrowIfCancellationRequested();
                OwnThreadWork.Dispose(model);
                model = null;
                model = pipeline.Fit(context, parameter, folds[f].Train, trial);
                try
                {
                    values.Add(metric.Evaluate(context, model.Transform(folds[f].Validation)));
                    if (report && folds.Length > 1) trial.Report(f + 1, values.Average());
                }
                catch
                {
                    OwnThreadWork.Dispose(model);
                    throw;
                }
            }
            return (values.Average(), folds.Length > 1 ? values : [], model!);
        }

        void Report(StoredTrial trial, int step, double loss, double value, CancellationToken ct)
        {
            storage.AddReportAsync(trial.Id, step, loss, ct).GetAwaiter().GetResult();
            if (owner._pruner is null) return;
            var history = storage.GetReportsAsync(study.Id, ct).GetAwaiter().GetResult();
            if (owner._pruner.ShouldPrune(trial.Number, step, loss, history))
                throw new TrialPrunedException($"Pruned at step {step}: {metric.Name} = {value:G4}.");
        }
    }
}
