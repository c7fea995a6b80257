using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Storage;
using TrialResult = MLNetLlm.Cli.Reporting.TrialResult;

namespace MLNetLlm.Cli.Ui;

/// <summary>
/// Reads a run's trials from its study storage (the SQLite <c>trials.db</c> the CLI keeps in the run folder): the
/// leaderboard of a run that is going on in this process, in another one, or that ended before the UI started.
/// </summary>
internal static class StudyReader
{
    /// <summary>
    /// The study's trials as the CLI's <see cref="TrialResult"/>s (running ones with a null metric); empty when the study
    /// does not exist yet. The file is opened read-only (<see cref="SqliteTrialStorage.OpenReadOnly"/>): a search that
    /// holds the write lock is neither waited for nor delayed, and the UI never changes the file.
    /// </summary>
    public static IReadOnlyList<TrialResult> Read(string sqlitePath, string study)
    {
        if (!File.Exists(sqlitePath)) return [];
        IReadOnlyList<StoredTrial> stored;
        using (var storage = SqliteTrialStorage.OpenReadOnly(sqlitePath))
        {
            if (storage.FindStudyAsync(study).GetAwaiter().GetResult() is not { } info) return [];
            stored = storage.GetTrialsAsync(info.Id).GetAwaiter().GetResult();
        }
        var start = stored.Where(t => t.StartedAtUtc != null).Select(t => t.StartedAtUtc!.Value).DefaultIfEmpty(DateTimeOffset.UtcNow).Min();
        return stored.Select(t =>
        {
            bool done = t.Status == TrialStatus.Completed && double.IsFinite(t.Metric);
            string status = t.Status.ToString().ToLowerInvariant();
            if (t.Error is { Length: > 0 } e && !done) status += ": " + e.Split('\n')[0];
            string pipeline = (t.Pipeline ?? "…") + (t.Fidelity < 1 ? FormattableString.Invariant($" [{t.Fidelity:0.###} of the rows]") : "");
            double finished = t.StartedAtUtc is { } s ? (s + t.Duration - start).TotalSeconds : 0;
            return new TrialResult(t.Number, pipeline, done ? t.Metric : null, t.Duration.TotalSeconds, status, finished, t.Parameter.ToJson(), t.Fidelity);
        }).ToList();
    }
}
