using System.Data.Common;
using Npgsql;

namespace MLNetLlm.AutoML.Storage;

/// <summary>
/// Trials in PostgreSQL, shared by worker processes on several machines: each runs the same experiment with the same
/// study name. New trials are numbered under a row lock on the study; trials needing a worker are claimed with
/// <c>SELECT … FOR UPDATE SKIP LOCKED</c>; a worker renews its lease while it runs a trial, and a trial whose worker
/// was killed is retried by another worker once the lease expires (or marked failed after the allowed attempts).
/// </summary>
/// <example><code>experiment.SetStorage(new PostgresTrialStorage("Host=db;Username=automl;Password=…;Database=automl"), "spam");</code></example>
public sealed class PostgresTrialStorage : SqlTrialStorage
{
    readonly NpgsqlDataSource _source;

    /// <summary>A storage on the database of <paramref name="connectionString"/> (tables are created when missing).</summary>
    public PostgresTrialStorage(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        try { _source = NpgsqlDataSource.Create(connectionString); }
        catch (ArgumentException e) { throw new ArgumentException($"Not a valid PostgreSQL connection string: {e.Message}", nameof(connectionString), e); }
    }

    private protected override async Task<DbConnection> OpenAsync(CancellationToken ct) =>
        await _source.OpenConnectionAsync(ct).ConfigureAwait(false);

    private protected override IEnumerable<string> SchemaStatements =>
    [
        // several workers may start at once: one creates the tables, the others wait for it
        "SELECT pg_advisory_xact_lock(727201)",
        "CREATE TABLE IF NOT EXISTS automl_studies (id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, metric TEXT NOT NULL, maximize INT NOT NULL, created_ms BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS automl_trials (id BIGSERIAL PRIMARY KEY, study_id INT NOT NULL REFERENCES automl_studies(id), number INT NOT NULL, " +
            "status TEXT NOT NULL, parameters TEXT NOT NULL, parameters_hash TEXT, pipeline TEXT, metric DOUBLE PRECISION, loss DOUBLE PRECISION, duration_ms DOUBLE PRECISION, " +
            "peak_memory BIGINT, error TEXT, worker TEXT, attempts INT NOT NULL DEFAULT 0, lease_expires_ms BIGINT, created_ms BIGINT NOT NULL, finished_ms BIGINT, fold_metrics TEXT, " +
            "UNIQUE (study_id, number))",
        "CREATE TABLE IF NOT EXISTS automl_reports (trial_id BIGINT NOT NULL REFERENCES automl_trials(id), step INT NOT NULL, loss DOUBLE PRECISION NOT NULL, PRIMARY KEY (trial_id, step))",
        "CREATE INDEX IF NOT EXISTS automl_trials_claim ON automl_trials (study_id, status)",
        "CREATE TABLE IF NOT EXISTS automl_selections (study_id INT PRIMARY KEY REFERENCES automl_studies(id), folds INT NOT NULL, top_trials INT NOT NULL, " +
            "seed INT NOT NULL, created_ms BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS automl_cv_candidates (study_id INT NOT NULL REFERENCES automl_selections(study_id), position INT NOT NULL, trial_number INT NOT NULL, " +
            "status TEXT NOT NULL, mean DOUBLE PRECISION, std DOUBLE PRECISION, duration_ms DOUBLE PRECISION, peak_memory BIGINT, error TEXT, PRIMARY KEY (study_id, position))",
        "CREATE TABLE IF NOT EXISTS automl_cv_folds (id BIGSERIAL PRIMARY KEY, study_id INT NOT NULL, position INT NOT NULL, trial_number INT NOT NULL, fold INT NOT NULL, " +
            "status TEXT NOT NULL, metric DOUBLE PRECISION, duration_ms DOUBLE PRECISION, peak_memory BIGINT, error TEXT, worker TEXT, attempts INT NOT NULL DEFAULT 0, " +
            "lease_expires_ms BIGINT, created_ms BIGINT NOT NULL, finished_ms BIGINT, UNIQUE (study_id, position, fold), " +
            "FOREIGN KEY (study_id, position) REFERENCES automl_cv_candidates(study_id, position))",
        "CREATE INDEX IF NOT EXISTS automl_cv_folds_claim ON automl_cv_folds (study_id, status)",
    ];

    private protected override string NowMs => "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";

    private protected override string ClaimLock => " FOR UPDATE SKIP LOCKED";

    private protected override string? LockStudy => "SELECT id FROM automl_studies WHERE id = @s FOR UPDATE";

    private protected override string RowLock => " FOR UPDATE";

    private protected override string ColumnCountSql =>
        "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @t AND column_name = @c";

    /// <inheritdoc/>
    public override void Dispose()
    {
        _source.Dispose();
        base.Dispose();
    }
}
