using System.Globalization;
using System.Text;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>What an experiment found: the best trial (its model refitted on all training data), the leaderboard, every trial.</summary>
public sealed class ExperimentResult
{
    internal ExperimentResult(TrialResult bestTrial, IReadOnlyList<TrialResult> trials, ExperimentMetric metric, string studyName, TimeSpan duration, string stopReason)
    {
        BestTrial = bestTrial;
        Trials = trials;
        Metric = metric;
        StudyName = studyName;
        Duration = duration;
        StopReason = stopReason;
        Leaderboard = trials.Where(t => t.IsSuccess).OrderBy(t => t.Loss).ThenBy(t => t.TrialSettings.TrialId).ToArray();
    }

    /// <summary>The best completed trial; its <see cref="TrialResult.Model"/> is refitted on all training data.</summary>
    public TrialResult BestTrial { get; }

    /// <summary>Completed trials, best first.</summary>
    public IReadOnlyList<TrialResult> Leaderboard { get; }

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
        sb.AppendLine($"| Rank | Trial | {Metric.Name} | Seconds | Pipeline | Parameters |");
        sb.AppendLine("|---:|---:|---:|---:|---|---|");
        int rank = 1;
        foreach (var t in Leaderboard.Take(top))
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {rank++} | {t.TrialSettings.TrialId} | {t.Metric:F4} | {t.Duration.TotalSeconds:F1} | {t.Pipeline} | `{t.TrialSettings.Parameter.ToJson()}` |"));
        int failed = Trials.Count(t => t.Status == TrialStatus.Failed), pruned = Trials.Count(t => t.Status == TrialStatus.Pruned);
        sb.AppendLine($"{Leaderboard.Count} completed, {pruned} pruned, {failed} failed; stopped: {StopReason}.");
        return sb.ToString();
    }
}
