using System.Globalization;
using System.Text;
using MLNetLlm.AutoML.Storage;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// What an experiment found: the best trial and the model returned for it (<see cref="ModelIsRefit"/> says which:
/// the trial's own scored model, or a refit), the leaderboard, every trial.
/// </summary>
public sealed class ExperimentResult
{
    internal ExperimentResult(TrialResult bestTrial, IReadOnlyList<TrialResult> trials, ExperimentMetric metric, string studyName, TimeSpan duration, string stopReason,
        IReadOnlyList<TrialResult>? crossValidatedTrials = null)
    {
        CrossValidatedTrials = crossValidatedTrials ?? [];
        BestTrial = bestTrial;
        Trials = trials;
        Metric = metric;
        StudyName = studyName;
        Duration = duration;
        StopReason = stopReason;
        Leaderboard = trials.Where(t => t.IsSuccess).OrderByDescending(t => t.Fidelity).ThenBy(t => t.Loss).ThenBy(t => t.TrialSettings.TrialId).ToArray();
    }

    /// <summary>
    /// How the pick compared with the baseline (<see cref="AutoMLExperiment.SetBaseline"/>), and whether the baseline
    /// was returned instead; null without a baseline, or when the baseline's trial did not complete.
    /// </summary>
    public BaselineComparison? Baseline { get; init; }

    /// <summary>Proposals and promotions skipped because the cost model predicted they could not finish in the time left.</summary>
    public int SkippedProposals { get; init; }

    /// <summary>The fidelities (shares of the training rows) trials ran at, ascending; [1] without successive halving.</summary>
    public IReadOnlyList<double> Fidelities { get; init; } = [1.0];

    /// <summary>
    /// The best completed trial with the model returned: the trial's own model when the experiment does not refit on
    /// other rows than the trial's (a holdout experiment with <see cref="AutoMLExperiment.SetRefitOnValidationData"/>
    /// false), else the best parameter refitted with the trial's seed (on training + validation rows, or all rows of a
    /// cross-validated experiment): see <see cref="ModelIsRefit"/> and <see cref="ModelMetric"/>. With
    /// <see cref="AutoMLExperiment.SetCrossValidatedSelection"/> it is the best cross-validated candidate, and its
    /// <see cref="TrialResult.Metric"/> and <see cref="TrialResult.FoldMetrics"/> are the cross-validated ones.
    /// </summary>
    public TrialResult BestTrial { get; }

    /// <summary>
    /// False when <see cref="BestTrial"/>'s model is the very model its trial trained and scored (its metric is the
    /// leaderboard's); true when it was trained again for the result (a refit; see <see cref="ModelMetric"/>).
    /// </summary>
    public bool ModelIsRefit { get; init; }

    /// <summary>Whether the returned model was trained on the validation rows too (a refit on training + validation, or on every row of a cross-validated experiment).</summary>
    public bool ModelTrainedOnValidation { get; init; }

    /// <summary>
    /// The returned model's own metric on the validation rows: the best trial's holdout metric when the model is the
    /// trial's; for a refit, measured on the validation rows after refitting — in-sample (optimistic) when
    /// <see cref="ModelTrainedOnValidation"/>; NaN for a cross-validated experiment (no held-out rows).
    /// </summary>
    public double ModelMetric { get; init; } = double.NaN;

    /// <summary>Completed trials, best first (full-fidelity trials before those of successive halving's lower rungs).</summary>
    public IReadOnlyList<TrialResult> Leaderboard { get; }

    /// <summary>
    /// The candidates re-evaluated by <see cref="AutoMLExperiment.SetCrossValidatedSelection"/>, in the order they were
    /// evaluated: metric = mean over the folds, <see cref="TrialResult.FoldMetrics"/> = each fold's value, duration =
    /// the folds' total, or failed with the reason; empty without that option. Read back from the trial storage, so a
    /// resumed run (or another worker of a shared study) reports the folds run earlier or elsewhere too.
    /// </summary>
    public IReadOnlyList<TrialResult> CrossValidatedTrials { get; }

    /// <summary>Every trial of the study (this run's and earlier runs'), by number.</summary>
    public IReadOnlyList<TrialResult> Trials { get; }

    /// <summary>The metric optimised.</summary>
    public ExperimentMetric Metric { get; }

    /// <summary>The study's name in the storage.</summary>
    public string StudyName { get; }

    /// <summary>How long this run took, refit included.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Why the search stopped (time budget, trial limit, exhausted grid, cancelled).</summary>
    public string StopReason { get; }

    /// <summary>The top of the leaderboard as a Markdown table (rank, trial, metric, seconds, pipeline, parameters).</summary>
    public string FormatLeaderboard(int top = 10)
    {
        var sb = new StringBuilder();
        bool rungs = Trials.Any(t => t.Fidelity < 1);
        sb.AppendLine($"| Rank | Trial | {Metric.Name} |{(rungs ? " Fidelity |" : "")} Seconds | Pipeline | Parameters |");
        sb.AppendLine($"|---:|---:|---:|{(rungs ? "---:|" : "")}---:|---|---|");
        int rank = 1;
        foreach (var t in Leaderboard.Take(top))
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {rank++} | {t.TrialSettings.TrialId} | {t.Metric:F4} |{(rungs ? $" {t.Fidelity:0.###} |" : "")} {t.Duration.TotalSeconds:F1} | {t.Pipeline} | `{t.TrialSettings.Parameter.ToJson()}` |"));
        int failed = Trials.Count(t => t.Status == TrialStatus.Failed), pruned = Trials.Count(t => t.Status == TrialStatus.Pruned);
        int cancelled = Trials.Count(t => t.Status == TrialStatus.Cancelled);
        sb.AppendLine($"{Leaderboard.Count} completed, {pruned} pruned, {failed} failed{(cancelled > 0 ? $", {cancelled} cancelled" : "")}; stopped: {StopReason}.");
        sb.AppendLine(DescribeModel());
        if (Baseline is { } b) sb.AppendLine(b.Describe());
        if (CrossValidatedTrials.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"Cross-validated selection (the pick: trial {BestTrial.TrialSettings.TrialId}):");
            sb.AppendLine();
            sb.AppendLine($"| Trial | Holdout {Metric.Name} | CV mean | CV std | CV folds | Seconds | Pipeline |");
            sb.AppendLine("|---:|---:|---:|---:|---|---:|---|");
            foreach (var t in CrossValidatedTrials)
            {
                var holdout = Trials.FirstOrDefault(x => x.TrialSettings.TrialId == t.TrialSettings.TrialId)?.Metric ?? double.NaN;
                string cv = t.IsSuccess ? t.Metric.ToString("F4", CultureInfo.InvariantCulture) : t.Error ?? "failed";
                string std = t.IsSuccess ? StoredCandidate.SampleStandardDeviation(t.FoldMetrics).ToString("F4", CultureInfo.InvariantCulture) : "";
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {t.TrialSettings.TrialId} | {holdout:F4} | {cv} | {std} | {string.Join(" ", t.FoldMetrics.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))} | {t.Duration.TotalSeconds:F1} | {t.Pipeline} |"));
            }
        }
        return sb.ToString();
    }

    /// <summary>One line on the returned model: the trial's own, or a refit with its own score.</summary>
    public string DescribeModel()
    {
        int trial = BestTrial.TrialSettings.TrialId;
        if (!ModelIsRefit)
            return string.Create(CultureInfo.InvariantCulture, $"Model: trial {trial}'s own model ({Metric.Name} {ModelMetric:F4} on the validation rows).");
        string score = double.IsNaN(ModelMetric) ? "no held-out rows to score it on"
            : ModelTrainedOnValidation
                ? string.Create(CultureInfo.InvariantCulture, $"{Metric.Name} {ModelMetric:F4} on the validation rows, which it was trained on (in-sample)")
                : string.Create(CultureInfo.InvariantCulture, $"{Metric.Name} {ModelMetric:F4} on the validation rows");
        string rows = ModelTrainedOnValidation ? "training + validation rows" : "the training rows";
        return string.Create(CultureInfo.InvariantCulture, $"Model: trial {trial}'s parameters refitted on {rows} with its seed ({score}); the trial's own score is {BestTrial.Metric:F4}.");
    }
}
