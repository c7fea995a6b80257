using System.Diagnostics;
using Microsoft.ML;
using MLNetLlm.AutoML.Pruners;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.AutoML.Tuners;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Experiments;

// The end of a run: the baseline comparison and the final model (refitted or the best trial's own).
public sealed partial class AutoMLExperiment
{
    sealed partial class Run
    {
        /// <summary>
        /// The baseline's completed full-fidelity trial; else, for a holdout experiment, its trial that did not finish (cut
        /// by the budget, failed) or a stand-in, so that the comparison still fits and scores it; null when there is none to compare.
        /// </summary>
        public TrialResult? BaselineTrial(IReadOnlyList<TrialResult> trials)
        {
            var mine = trials.Where(t => t.Fidelity >= 1 && SamePoint(pipeline.SearchSpace, t.TrialSettings.Parameter, owner._baseline!))
                .OrderBy(t => t.TrialSettings.TrialId).ToArray();
            if (mine.FirstOrDefault(t => t.IsSuccess) is { } done) return done;
            if (splits.Length > 1) return null; // k-fold: no fold metrics to pair with
            return new TrialResult
            {
                TrialSettings = new TrialSettings { TrialId = mine.FirstOrDefault()?.TrialSettings.TrialId ?? 0, Parameter = owner._baseline! },
                Status = TrialStatus.Failed, Pipeline = SafeDescribe(owner._baseline!),
                Error = "The baseline's trial did not complete during the search; fitted for the comparison.",
            };
        }

        /// <summary>
        /// <see cref="SetBaseline"/>'s rule: the pick stays only if it beats the baseline by more than the noise. Returns the
        /// comparison, the trial to return, and (holdout experiments that refit on the training rows only) its fitted model.
        /// </summary>
        public (BaselineComparison, TrialResult, (ITransformer Model, bool IsRefit, bool TrainedOnValidation, double Metric)?) CompareWithBaseline(TrialResult pick, TrialResult baseline, IReadOnlyList<TrialResult> crossValidated)
        {
            int pickId = pick.TrialSettings.TrialId, baseId = baseline.TrialSettings.TrialId;
            double conf = owner._baselineConfidence;
            if (pickId == baseId)
                return (new BaselineComparison(baseId, baseId, baseline.Metric, baseline.Metric, 0, 0, conf, "the baseline was the best trial", true), pick, null);
            (double Improvement, double LowerBound, string Method) test;
            (ITransformer Model, bool IsRefit, bool TrainedOnValidation, double Metric)? pickModel = null;
            if (!baseline.IsSuccess) crossValidated = []; // no completed baseline trial: compare on the holdout
            var cvPick = crossValidated.FirstOrDefault(t => t.TrialSettings.TrialId == pickId && t.IsSuccess);
            var cvBase = crossValidated.FirstOrDefault(t => t.TrialSettings.TrialId == baseId && t.IsSuccess);
            double baseMetric = baseline.Metric, pickMetric = pick.Metric;
            if (cvPick is not null && cvBase is not null)
            {
                test = BaselineGuard.PairedFolds(cvPick.FoldMetrics, cvBase.FoldMetrics, metric.Maximize, conf);
                (baseMetric, pickMetric) = (cvBase.Metric, cvPick.Metric);
            }
            else if (splits.Length > 1 && baseline.IsSuccess && pick.FoldMetrics.Count == splits.Length && baseline.FoldMetrics.Count == splits.Length)
                test = BaselineGuard.PairedFolds(pick.FoldMetrics, baseline.FoldMetrics, metric.Maximize, conf);
            else
            {
                var (train, validation) = splits[0];
                // each fitted with its trial's seed: the same models (and scores) as the trials themselves
                var pickFit = pipeline.Fit(new MLContext(TrialSeeds.For(owner._seed, pick.TrialSettings.Parameter)), pick.TrialSettings.Parameter, train);
                var baseFit = pipeline.Fit(new MLContext(TrialSeeds.For(owner._seed, baseline.TrialSettings.Parameter)), baseline.TrialSettings.Parameter, train);
                var context = new MLContext(owner._seed);
                var (pickScored, baseScored) = (pickFit.Transform(validation), baseFit.Transform(validation));
                test = BaselineGuard.Bootstrap(context, metric, pickScored, baseScored, owner._bootstrapSamples, conf, owner._seed);
                if (!baseline.IsSuccess)
                {
                    // the stand-in gets the metric measured here, so the baseline can be returned like a trial
                    baseMetric = metric.Evaluate(context, baseScored);
                    baseline = new TrialResult
                    {
                        TrialSettings = baseline.TrialSettings, Status = TrialStatus.Completed, Metric = baseMetric, Loss = metric.ToLoss(baseMetric),
                        Pipeline = baseline.Pipeline, Error = baseline.Error,
                    };
                }
                var (winner, loser) = test.LowerBound > 0 ? (pickFit, baseFit) : (baseFit, pickFit);
                var winnerScored = test.LowerBound > 0 ? pickScored : baseScored;
                OwnThreadWork.Dispose(loser);
                // without a refit on the validation rows, the final model is trained on these same rows: keep it
                if (!owner._refitOnValidation) pickModel = (winner, true, false, metric.Evaluate(context, winnerScored));
                else OwnThreadWork.Dispose(winner);
            }
            bool pickWins = test.LowerBound > 0;
            var comparison = new BaselineComparison(baseId, pickId, baseMetric, pickMetric, test.Improvement, test.LowerBound, conf, test.Method, !pickWins);
            return (comparison, pickWins ? pick : cvBase ?? baseline, pickModel);
        }

        /// <summary>Whether the final model trains on exactly the rows each trial trained on (a holdout experiment not refitted on its validation rows).</summary>
        bool RefitOnTrialData => splits.Length == 1 && owner._folds < 2 && !owner._refitOnValidation;

        public IDataView RefitData => RefitOnTrialData ? splits[0].Train : AllRows;

        /// <summary>
        /// Keeps the model of the best completed trial so far when the final model would be a refit on the same rows:
        /// that model is the one whose score the leaderboard shows, so it is returned instead of a second training.
        /// Returns whether <paramref name="model"/> was kept (the caller disposes it otherwise).
        /// </summary>
        bool KeepIfBest(int number, double loss, ITransformer? model)
        {
            if (model is null || !RefitOnTrialData) return false;
            lock (_keptGate)
            {
                if (_kept is { } k && (k.Loss < loss || k.Loss == loss && k.Number < number)) return false;
                if (_kept is { } old) OwnThreadWork.Dispose(old.Model);
                _kept = (number, loss, model);
                return true;
            }
        }

        /// <summary>Disposes the kept trial model (the final model came from elsewhere, e.g. the baseline comparison).</summary>
        public void DiscardKept()
        {
            (int Number, double Loss, ITransformer Model)? kept;
            lock (_keptGate) { kept = _kept; _kept = null; }
            if (kept is { } k) OwnThreadWork.Dispose(k.Model);
        }

        /// <summary>
        /// The model to return for <paramref name="best"/>: its own trial model when it was kept (trained on the same
        /// rows as the refit would be), else a refit with the trial's seed on <see cref="RefitData"/>, scored on the
        /// validation rows (in-sample when it was trained on them; NaN for a cross-validated experiment).
        /// </summary>
        public async Task<(ITransformer Model, bool IsRefit, bool TrainedOnValidation, double Metric)> FinalModelAsync(TrialResult best)
        {
            (int Number, double Loss, ITransformer Model)? kept;
            lock (_keptGate) { kept = _kept; _kept = null; }
            if (kept is { } k && k.Number == best.TrialSettings.TrialId)
                return (k.Model, false, false, Results.TryGetValue(k.Number, out var own) ? own.Metric : best.Metric);
            if (kept is { } other) OwnThreadWork.Dispose(other.Model);
            var parameter = best.TrialSettings.Parameter;
            var context = new MLContext(TrialSeeds.For(owner._seed, parameter));
            var data = RefitData;
            var model = await Task.Run(() => pipeline.Fit(context, parameter, data)).ConfigureAwait(false);
            bool holdout = splits.Length == 1 && owner._folds < 2;
            double value = holdout ? metric.Evaluate(context, model.Transform(splits[0].Validation)) : double.NaN;
            return (model, true, !RefitOnTrialData, value);
        }

        /// <summary>Every training row: training + validation of a holdout experiment, or the whole data set.</summary>
        IDataView AllRows => owner._train is not null
            ? ((InMemoryDataView)splits[0].Train).Concat((InMemoryDataView)splits[0].Validation)
            : InMemoryDataView.Materialize(owner._all!);
    }
}
