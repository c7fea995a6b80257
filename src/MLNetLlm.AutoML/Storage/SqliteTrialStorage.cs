using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace MLNetLlm.AutoML.Storage;

/// <summary>
/// Trials in a SQLite file: the embedded default for one machine. Re-running an experiment with the same file and
/// study name resumes it: finished trials teach the tuner, trials that were running when the process died are retried
/// once their lease expires, and interrupted ones are re-queued.
/// </summary>
/// <example><code>experiment.SetStorage(new SqliteTrialStorage("automl.db"), "spam-study");</code></example>
public sealed class SqliteTrialStorage : SqlTrialStorage
{
    readonly string _connectionString;

    readonly bool _readOnly;

    /// <summary>A storage in the SQLite file <paramref name="path"/> (created if missing).</summary>
    public SqliteTrialStorage(string path) : this(path, readOnly: false) { }

    SqliteTrialStorage(string path, bool readOnly)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
            throw new DirectoryNotFoundException($"The folder of the SQLite file '{Path}' does not exist.");
        _readOnly = readOnly;
        _connectionString = readOnly
            ? new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadOnly, DefaultTimeout = 30, Pooling = false }.ToString()
            : new SqliteConnectionStringBuilder { DataSource = Path, DefaultTimeout = 30, Pooling = true }.ToString();
    }

    /// <summary>
    /// A storage that only reads the existing SQLite file <paramref name="path"/> (<c>Mode=ReadOnly</c> connections): for
    /// watching a study that other processes write, e.g. a leaderboard. It never takes the write lock, so it neither
    /// waits for a writer's transaction nor delays one, and it never changes the file (no table is created, no schema
    /// upgraded, no journal mode set); a write through it fails. Use <see cref="SqlTrialStorage.FindStudyAsync"/> to look a study up.
    /// </summary>
    /// <exception cref="FileNotFoundException">When there is no such file (a read-only storage creates nothing).</exception>
    public static SqliteTrialStorage OpenReadOnly(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"There is no SQLite file '{System.IO.Path.GetFullPath(path)}' to read.", path);
        return new SqliteTrialStorage(path, readOnly: true);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    private protected override bool ReadOnly => _readOnly;

    private protected override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var c = new SqliteConnection(_connectionString);
        await c.OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        // a reader leaves the journal mode (a database setting, written to the file) to the writers
        cmd.CommandText = _readOnly ? "PRAGMA busy_timeout = 30000;" : "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;";
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return c;
    }

    private protected override Task<DbTransaction> BeginAsync(DbConnection c, CancellationToken ct) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)c).BeginTransaction(deferred: false));

    private protected override IEnumerable<string> SchemaStatements =>
    [
        "CREATE TABLE IF NOT EXISTS automl_studies (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, metric TEXT NOT NULL, maximize INTEGER NOT NULL, created_ms INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS automl_trials (id INTEGER PRIMARY KEY AUTOINCREMENT, study_id INTEGER NOT NULL REFERENCES automl_studies(id), number INTEGER NOT NULL, " +
            "status TEXT NOT NULL, parameters TEXT NOT NULL, parameters_hash TEXT, pipeline TEXT, metric REAL, loss REAL, duration_ms REAL, peak_memory INTEGER, error TEXT, worker TEXT, " +
            "attempts INTEGER NOT NULL DEFAULT 0, lease_expires_ms INTEGER, created_ms INTEGER NOT NULL, finished_ms INTEGER, fold_metrics TEXT, UNIQUE (study_id, number))",
        "CREATE TABLE IF NOT EXISTS automl_reports (trial_id INTEGER NOT NULL REFERENCES automl_trials(id), step INTEGER NOT NULL, loss REAL NOT NULL, PRIMARY KEY (trial_id, step))",
        "CREATE TABLE IF NOT EXISTS automl_selections (study_id INTEGER PRIMARY KEY REFERENCES automl_studies(id), folds INTEGER NOT NULL, top_trials INTEGER NOT NULL, " +
            "seed INTEGER NOT NULL, created_ms INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS automl_cv_candidates (study_id INTEGER NOT NULL REFERENCES automl_selections(study_id), position INTEGER NOT NULL, " +
            "trial_number INTEGER NOT NULL, status TEXT NOT NULL, mean REAL, std REAL, duration_ms REAL, peak_memory INTEGER, error TEXT, PRIMARY KEY (study_id, position))",
        "CREATE TABLE IF NOT EXISTS automl_cv_folds (id INTEGER PRIMARY KEY AUTOINCREMENT, study_id INTEGER NOT NULL, position INTEGER NOT NULL, trial_number INTEGER NOT NULL, " +
            "fold INTEGER NOT NULL, status TEXT NOT NULL, metric REAL, duration_ms REAL, peak_memory INTEGER, error TEXT, worker TEXT, attempts INTEGER NOT NULL DEFAULT 0, " +
            "lease_expires_ms INTEGER, created_ms INTEGER NOT NULL, finished_ms INTEGER, UNIQUE (study_id, position, fold), " +
            "FOREIGN KEY (study_id, position) REFERENCES automl_cv_candidates(study_id, position))",
    ];

    private protected override string NowMs => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

    private protected override string ClaimLock => "";

    private protected override string? LockStudy => null;

    private protected override string RowLock => "";

    private protected override string ColumnCountSql => "SELECT COUNT(*) FROM pragma_table_info(@t) WHERE name = @c";
}
