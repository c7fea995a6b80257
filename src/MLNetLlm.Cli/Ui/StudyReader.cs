using Microsoft.Data.Sqlite;
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
    /// <summary>The study's trials as the CLI's <see cref="TrialResult"/>s (running ones with a null metric); empty when the study does not exist yet.</summary>
    public static IReadOnlyList<TrialResult> Read(string sqlitePath, string study)
    {
        if (!File.Exists(sqlitePath)) return [];
        int? id = StudyId(sqlitePath, study);
        if (id == null) return [];
        IReadOnlyList<StoredTrial> stored;
        using (var storage = new SqliteTrialStorage(sqlitePath))
            stored = storage.GetTrialsAsync(id.Value).GetAwaiter().GetResult();
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

    static int? StudyId(string path, string study)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, DefaultTimeout = 30, Pooling = false }.ToString();
        using var c = new SqliteConnection(cs);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT name FROM sqlite_master WHERE type='table' AND name='automl_studies'";
        if (cmd.ExecuteScalar() == null) return null;
        cmd.CommandText = "SELECT id FROM automl_studies WHERE name = $n";
        cmd.Parameters.AddWithValue("$n", study);
        return cmd.ExecuteScalar() is { } v ? Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}
