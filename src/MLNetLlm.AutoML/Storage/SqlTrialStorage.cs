using System.Data.Common;
using System.Globalization;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Pruners;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Storage;

/// <summary>
/// Trials in a SQL database (tables automl_studies, automl_trials, automl_reports, and for the cross-validated
/// selection automl_selections, automl_cv_candidates, automl_cv_folds; created when missing, and a database written
/// by an earlier version gets the newer tables and columns when opened). Each operation opens a pooled connection and
/// runs in one transaction; times are the database's clock in Unix milliseconds, so workers on machines with skewed
/// clocks agree on lease expiry.
/// </summary>
public abstract class SqlTrialStorage : ITrialStorage, ISelectionStorage
{
    bool _initialised;
    bool _noTables;
    string _trialColumns = TrialColumns;
    readonly SemaphoreSlim _init = new(1, 1);

    private protected SqlTrialStorage() { }

    /// <summary>A new open connection.</summary>
    private protected abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>A write transaction (SQLite: BEGIN IMMEDIATE, so writers queue instead of deadlocking).</summary>
    private protected virtual Task<DbTransaction> BeginAsync(DbConnection c, CancellationToken ct) => c.BeginTransactionAsync(ct).AsTask();

    /// <summary>Statements creating the tables (idempotent).</summary>
    private protected abstract IEnumerable<string> SchemaStatements { get; }

    /// <summary>SQL for "now" in Unix milliseconds, evaluated by the database.</summary>
    private protected abstract string NowMs { get; }

    /// <summary>Appended to the claim query to lock the row and skip rows other workers hold ("" when the transaction locks the database).</summary>
    private protected abstract string ClaimLock { get; }

    /// <summary>A statement that locks the study row for numbering a new trial (null when the transaction locks the database).</summary>
    private protected abstract string? LockStudy { get; }

    /// <summary>Appended to a query to lock the rows it reads until the transaction ends ("" when the transaction locks the database).</summary>
    private protected abstract string RowLock { get; }

    /// <summary>A query counting the columns named @c of table @t (1 when it exists); it must take no lock on the table.</summary>
    private protected abstract string ColumnCountSql { get; }

    /// <summary>
    /// Whether the connections only read (SQLite's <c>Mode=ReadOnly</c>): nothing is created or upgraded, and the
    /// columns an older schema lacks read as NULL. Reading then never waits for, nor takes, the write lock.
    /// </summary>
    private protected virtual bool ReadOnly => false;

    /// <summary>Columns added since the first version of the schema (the CREATE statements have them too).</summary>
    /// <remarks>fidelity (the share of training rows a trial ran on, successive halving; NULL = 1) is only added this way, on new
    /// databases too.</remarks>
    static readonly (string Table, string Column, string Type)[] AddedColumns =
        [("automl_trials", "fold_metrics", "TEXT"), ("automl_trials", "parameters_hash", "TEXT"), ("automl_trials", "fidelity", "DOUBLE PRECISION")];

    async Task<DbConnection> ConnectAsync(CancellationToken ct)
    {
        var c = await OpenAsync(ct).ConfigureAwait(false);
        if (_initialised) return c;
        if (ReadOnly)
        {
            await ReadSchemaAsync(c, ct).ConfigureAwait(false);
            return c;
        }
        await _init.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_initialised)
            {
                await using var tx = await BeginAsync(c, ct).ConfigureAwait(false);
                foreach (var sql in SchemaStatements) await Exec(c, tx, sql, ct).ConfigureAwait(false);
                // a database of an earlier version gets the newer columns; the check comes first because ALTER TABLE
                // locks the table exclusively, which would queue every worker's queries behind this one
                foreach (var (table, column, type) in AddedColumns)
                    if (Convert.ToInt64(await Scalar(c, tx, ColumnCountSql, ct, ("@t", table), ("@c", column)).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
                        await Exec(c, tx, $"ALTER TABLE {table} ADD COLUMN {column} {type}", ct).ConfigureAwait(false);
                // trials written before the parameters' hash was stored get it now, then it is indexed
                var unhashed = await ReadRows(c, tx, "SELECT id, parameters FROM automl_trials WHERE parameters_hash IS NULL",
                    r => (Id: Long(r, 0), Json: r.GetString(1)), ct).ConfigureAwait(false);
                foreach (var (id, json) in unhashed)
                    await Exec(c, tx, "UPDATE automl_trials SET parameters_hash = @h WHERE id = @i", ct, ("@h", Parameter.FromJson(json).Hash), ("@i", id)).ConfigureAwait(false);
                await Exec(c, tx, "CREATE INDEX IF NOT EXISTS automl_trials_parameters ON automl_trials (study_id, parameters_hash)", ct).ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                _initialised = true;
            }
        }
        finally { _init.Release(); }
        return c;
    }

    /// <summary>
    /// A read-only storage's view of the schema: whether the tables exist yet (a study's file is created before its
    /// tables), and the trial columns, with NULL for those an older version did not have.
    /// </summary>
    async Task ReadSchemaAsync(DbConnection c, CancellationToken ct)
    {
        if (Convert.ToInt64(await Scalar(c, null, ColumnCountSql, ct, ("@t", "automl_studies"), ("@c", "name")).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
        {
            _noTables = true;
            return;
        }
        var columns = TrialColumns.Split(", ");
        foreach (var (table, column, _) in AddedColumns)
            if (table == "automl_trials" && Array.IndexOf(columns, column) is int i and >= 0
                && Convert.ToInt64(await Scalar(c, null, ColumnCountSql, ct, ("@t", table), ("@c", column)).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
                columns[i] = "NULL AS " + column;
        _trialColumns = string.Join(", ", columns);
        _noTables = false;
        _initialised = true; // the schema only grows, and a read-only storage reads it as it was when first seen
    }

    static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] ps)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in ps)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    static async Task<int> Exec(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] ps)
    {
        await using var cmd = Command(c, tx, sql, ps);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    static async Task<object?> Scalar(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] ps)
    {
        await using var cmd = Command(c, tx, sql, ps);
        var v = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return v is DBNull ? null : v;
    }

    // column readers shared by the row mappers (SQLite and PostgreSQL hand back different integer and real types)
    static int Int(DbDataReader r, int i) => Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);
    static long Long(DbDataReader r, int i) => r.IsDBNull(i) ? 0 : Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
    static double Real(DbDataReader r, int i) => r.IsDBNull(i) ? double.NaN : Convert.ToDouble(r.GetValue(i), CultureInfo.InvariantCulture);
    static TimeSpan Millis(DbDataReader r, int i) => r.IsDBNull(i) ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Real(r, i));
    static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    const string TrialColumns = "id, number, status, parameters, pipeline, metric, loss, duration_ms, peak_memory, error, worker, attempts, fold_metrics, finished_ms, fidelity";

    /// <summary>Runs <paramref name="sql"/> and maps each row.</summary>
    static async Task<List<T>> ReadRows<T>(DbConnection c, DbTransaction? tx, string sql, Func<DbDataReader, T> map, CancellationToken ct, params (string, object?)[] ps)
    {
        await using var cmd = Command(c, tx, sql, ps);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<T>();
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(map(r));
        return list;
    }

    /// <summary>A row of <see cref="TrialColumns"/>.</summary>
    static StoredTrial TrialRow(DbDataReader r) => new()
    {
        Id = Long(r, 0),
        Number = Int(r, 1),
        Status = Enum.Parse<TrialStatus>(r.GetString(2)),
        Parameter = Parameter.FromJson(r.GetString(3)),
        Pipeline = Text(r, 4),
        Metric = Real(r, 5),
        Loss = Real(r, 6),
        Duration = Millis(r, 7),
        PeakMemoryBytes = Long(r, 8),
        Error = Text(r, 9),
        Worker = Text(r, 10),
        Attempts = Int(r, 11),
        FoldMetrics = Text(r, 12) is { } folds ? ParseDoubles(folds) : [],
        StartedAtUtc = r.IsDBNull(13) ? null : DateTimeOffset.FromUnixTimeMilliseconds(Long(r, 13)) - Millis(r, 7),
        Fidelity = r.IsDBNull(14) ? 1 : Real(r, 14),
    };

    static Task<List<StoredTrial>> ReadTrials(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] ps) =>
        ReadRows(c, tx, sql, TrialRow, ct, ps);

    static object? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>Fold metrics as text ("R" format, space-separated; NaN kept), null when there are none.</summary>
    static string? FormatDoubles(IReadOnlyList<double> values) =>
        values.Count == 0 ? null : string.Join(' ', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    static double[] ParseDoubles(string text) =>
        text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();

    /// <inheritdoc/>
    public async Task<StudyInfo> OpenStudyAsync(string name, string metric, bool maximize, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancellationToken).ConfigureAwait(false);
        await Exec(c, tx, $"INSERT INTO automl_studies (name, metric, maximize, created_ms) VALUES (@n, @m, @x, {NowMs}) ON CONFLICT (name) DO NOTHING",
            cancellationToken, ("@n", name), ("@m", metric), ("@x", maximize ? 1 : 0)).ConfigureAwait(false);
        StudyInfo study;
        await using (var cmd = Command(c, tx, "SELECT id, metric, maximize FROM automl_studies WHERE name = @n", ("@n", name)))
        await using (var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await r.ReadAsync(cancellationToken).ConfigureAwait(false);
            study = new StudyInfo(Int(r, 0), name, r.GetString(1), Int(r, 2) != 0);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        StudyCheck.EnsureSame(study, metric, maximize);
        return study;
    }

    /// <summary>
    /// The lease protocol of trials and cross-validation folds: in one transaction, takes the first row of
    /// <paramref name="table"/> needing a worker (a running one whose lease expired first, then a queued one, by
    /// <paramref name="order"/>), locked and skipped by the others' claims. A row whose worker vanished
    /// <paramref name="maxAttempts"/> times is handed to <paramref name="giveUp"/> (which fails it) and the search goes on.
    /// Null when no row needs a worker.
    /// </summary>
    async Task<T?> ClaimAsync<T>(string table, string columns, string order, Func<DbDataReader, T> map, Func<T, (long Id, TrialStatus Status, int Attempts)> key,
        Func<DbConnection, DbTransaction, T, Task> giveUp, int studyId, string worker, TimeSpan lease, int maxAttempts, CancellationToken ct) where T : class
    {
        await using var c = await ConnectAsync(ct).ConfigureAwait(false);
        while (true)
        {
            await using var tx = await BeginAsync(c, ct).ConfigureAwait(false);
            var found = await ReadRows(c, tx,
                $"SELECT {columns} FROM {table} WHERE study_id = @s AND ((status = 'Running' AND lease_expires_ms < {NowMs}) OR status IN ('Queued', 'Cancelled')) " +
                $"ORDER BY CASE WHEN status = 'Running' THEN 0 ELSE 1 END, {order} LIMIT 1{ClaimLock}", map, ct, ("@s", studyId)).ConfigureAwait(false);
            if (found.Count == 0) { await tx.CommitAsync(ct).ConfigureAwait(false); return null; }
            var (id, status, attempts) = key(found[0]);
            if (status == TrialStatus.Running && attempts >= maxAttempts)
            {
                await giveUp(c, tx, found[0]).ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                continue;
            }
            await Exec(c, tx, $"UPDATE {table} SET status = 'Running', worker = @w, attempts = attempts + 1, lease_expires_ms = {NowMs} + @l WHERE id = @i",
                ct, ("@w", worker), ("@l", (long)lease.TotalMilliseconds), ("@i", id)).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return found[0];
        }
    }

    /// <summary>Extends <paramref name="worker"/>'s lease on a row of <paramref name="table"/>; false when it no longer holds it.</summary>
    async Task<bool> RenewAsync(string table, long id, string worker, TimeSpan lease, CancellationToken ct)
    {
        await using var c = await ConnectAsync(ct).ConfigureAwait(false);
        return await Exec(c, null, $"UPDATE {table} SET lease_expires_ms = {NowMs} + @l WHERE id = @i AND worker = @w AND status = 'Running'",
            ct, ("@l", (long)lease.TotalMilliseconds), ("@i", id), ("@w", worker)).ConfigureAwait(false) == 1;
    }

    /// <summary>Puts <paramref name="worker"/>'s interrupted row of <paramref name="table"/> back in the queue, its attempt not counted.</summary>
    async Task RequeueAsync(string table, long id, string worker, CancellationToken ct)
    {
        await using var c = await ConnectAsync(ct).ConfigureAwait(false);
        await Exec(c, null, $"UPDATE {table} SET status = 'Queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE id = @i AND worker = @w AND status = 'Running'",
            ct, ("@i", id), ("@w", worker)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<StoredTrial?> ClaimTrialAsync(int studyId, string worker, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default)
    {
        var t = await ClaimAsync("automl_trials", TrialColumns, "number", TrialRow, t => (t.Id, t.Status, t.Attempts),
            (c, tx, t) => Exec(c, tx, $"UPDATE automl_trials SET status = 'Failed', error = @e, finished_ms = {NowMs} WHERE id = @i",
                cancellationToken, ("@e", StudyCheck.LostMessage(t.Attempts)), ("@i", t.Id)),
            studyId, worker, lease, maxAttempts, cancellationToken).ConfigureAwait(false);
        return t is null ? null : t with { Status = TrialStatus.Running, Worker = worker, Attempts = t.Attempts + 1 };
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
        StudyCheck.EnsureFidelity(fidelity);
        ArgumentNullException.ThrowIfNull(propose);
        return CreateAsync(studyId, maxTrials, (n, _) => propose(n), readTrials: false, worker, lease, fidelity, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, IReadOnlyList<StoredTrial>, (Parameter Parameter, string? Pipeline)?> propose,
        string worker, TimeSpan lease, CancellationToken cancellationToken = default) =>
        CreateTrialAsync(studyId, maxTrials, propose, worker, lease, 1, cancellationToken);

    /// <inheritdoc/>
    public Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, IReadOnlyList<StoredTrial>, (Parameter Parameter, string? Pipeline)?> propose,
        string worker, TimeSpan lease, double fidelity, CancellationToken cancellationToken = default)
    {
        StudyCheck.EnsureFidelity(fidelity);
        ArgumentNullException.ThrowIfNull(propose);
        return CreateAsync(studyId, maxTrials, propose, readTrials: true, worker, lease, fidelity, cancellationToken);
    }

    async Task<StoredTrial?> CreateAsync(int studyId, int? maxTrials, Func<int, IReadOnlyList<StoredTrial>, (Parameter Parameter, string? Pipeline)?> propose,
        bool readTrials, string worker, TimeSpan lease, double fidelity, CancellationToken cancellationToken)
    {
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancellationToken).ConfigureAwait(false);
        if (LockStudy is not null) await Exec(c, tx, LockStudy, cancellationToken, ("@s", studyId)).ConfigureAwait(false);
        long count = Convert.ToInt64(await Scalar(c, tx, "SELECT COUNT(*) FROM automl_trials WHERE study_id = @s", cancellationToken, ("@s", studyId)).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (maxTrials is int max && count >= max) { await tx.CommitAsync(cancellationToken).ConfigureAwait(false); return null; }
        int number = Convert.ToInt32(await Scalar(c, tx, "SELECT COALESCE(MAX(number), 0) FROM automl_trials WHERE study_id = @s", cancellationToken, ("@s", studyId)).ConfigureAwait(false), CultureInfo.InvariantCulture) + 1;
        // read under the study's lock: no other worker adds a trial until this one is in
        IReadOnlyList<StoredTrial> trials = readTrials
            ? await ReadTrials(c, tx, $"SELECT {TrialColumns} FROM automl_trials WHERE study_id = @s ORDER BY number", cancellationToken, ("@s", studyId)).ConfigureAwait(false)
            : [];
        var proposal = propose(number, trials);
        if (proposal is null) { await tx.CommitAsync(cancellationToken).ConfigureAwait(false); return null; }
        var (parameter, pipeline) = proposal.Value;
        long id = Convert.ToInt64(await Scalar(c, tx,
            "INSERT INTO automl_trials (study_id, number, status, parameters, parameters_hash, pipeline, worker, attempts, lease_expires_ms, created_ms, fidelity) " +
            $"VALUES (@s, @n, 'Running', @p, @h, @pl, @w, 1, {NowMs} + @l, {NowMs}, @f) RETURNING id",
            cancellationToken, ("@s", studyId), ("@n", number), ("@p", parameter.ToJson()), ("@h", parameter.Hash), ("@pl", pipeline), ("@w", worker),
            ("@l", (long)lease.TotalMilliseconds), ("@f", fidelity)).ConfigureAwait(false), CultureInfo.InvariantCulture);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new StoredTrial { Id = id, Number = number, Status = TrialStatus.Running, Parameter = parameter, Pipeline = pipeline, Worker = worker, Attempts = 1, Fidelity = fidelity };
    }

    /// <inheritdoc/>
    public Task<bool> RenewLeaseAsync(long trialId, string worker, TimeSpan lease, CancellationToken cancellationToken = default) =>
        RenewAsync("automl_trials", trialId, worker, lease, cancellationToken);

    /// <inheritdoc/>
    public async Task AddReportAsync(long trialId, int step, double loss, CancellationToken cancellationToken = default)
    {
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await Exec(c, null, "INSERT INTO automl_reports (trial_id, step, loss) VALUES (@i, @s, @v) ON CONFLICT (trial_id, step) DO UPDATE SET loss = excluded.loss",
            cancellationToken, ("@i", trialId), ("@s", step), ("@v", loss)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<IntermediateReport>> GetReportsAsync(int studyId, CancellationToken cancellationToken = default)
    {
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await ReadRows(c, null, "SELECT t.number, r.step, r.loss FROM automl_reports r JOIN automl_trials t ON t.id = r.trial_id WHERE t.study_id = @s ORDER BY t.number, r.step",
            r => new IntermediateReport(Int(r, 0), Int(r, 1), Real(r, 2)), cancellationToken, ("@s", studyId)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<bool> FinishTrialAsync(long trialId, string worker, TrialResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await Exec(c, null,
            "UPDATE automl_trials SET status = @st, metric = @m, loss = @lo, duration_ms = @d, peak_memory = @pm, error = @e, fold_metrics = @fm, " +
            // a cancelled attempt (time budget, Ctrl+C) is not the trial's fault: it does not count against its retries
            "attempts = CASE WHEN @st = 'Cancelled' AND attempts > 0 THEN attempts - 1 ELSE attempts END, " +
            $"pipeline = COALESCE(@pl, pipeline), finished_ms = {NowMs} WHERE id = @i AND worker = @w AND status = 'Running'",
            cancellationToken, ("@st", result.Status.ToString()), ("@m", Finite(result.Metric)), ("@lo", Finite(result.Loss)), ("@fm", FormatDoubles(result.FoldMetrics)),
            ("@d", result.Duration.TotalMilliseconds), ("@pm", result.PeakMemoryBytes), ("@e", result.Error), ("@pl", result.Pipeline),
            ("@i", trialId), ("@w", worker)).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc/>
    public Task RequeueTrialAsync(long trialId, string worker, CancellationToken cancellationToken = default) =>
        RequeueAsync("automl_trials", trialId, worker, cancellationToken);

    /// <inheritdoc/>
    public Task<StoredTrial> EnqueueTrialAsync(int studyId, Parameter parameter, string? pipeline = null, CancellationToken cancellationToken = default) =>
        EnqueueTrialAsync(studyId, parameter, pipeline, 1, cancellationToken);

    /// <inheritdoc/>
    public async Task<StoredTrial> EnqueueTrialAsync(int studyId, Parameter parameter, string? pipeline, double fidelity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        StudyCheck.EnsureFidelity(fidelity);
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancellationToken).ConfigureAwait(false);
        if (LockStudy is not null) await Exec(c, tx, LockStudy, cancellationToken, ("@s", studyId)).ConfigureAwait(false);
        int number = Convert.ToInt32(await Scalar(c, tx, "SELECT COALESCE(MAX(number), 0) FROM automl_trials WHERE study_id = @s", cancellationToken, ("@s", studyId)).ConfigureAwait(false), CultureInfo.InvariantCulture) + 1;
        long id = Convert.ToInt64(await Scalar(c, tx,
            $"INSERT INTO automl_trials (study_id, number, status, parameters, parameters_hash, pipeline, attempts, created_ms, fidelity) VALUES (@s, @n, 'Queued', @p, @h, @pl, 0, {NowMs}, @f) RETURNING id",
            cancellationToken, ("@s", studyId), ("@n", number), ("@p", parameter.ToJson()), ("@h", parameter.Hash), ("@pl", pipeline), ("@f", fidelity)).ConfigureAwait(false), CultureInfo.InvariantCulture);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new StoredTrial { Id = id, Number = number, Status = TrialStatus.Queued, Parameter = parameter, Pipeline = pipeline, Fidelity = fidelity };
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredTrial>> GetTrialsAsync(int studyId, CancellationToken cancellationToken = default)
    {
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (_noTables) return [];
        return await ReadTrials(c, null, $"SELECT {_trialColumns} FROM automl_trials WHERE study_id = @s ORDER BY number", cancellationToken, ("@s", studyId)).ConfigureAwait(false);
    }

    /// <summary>The study named <paramref name="name"/>, or null when there is none (nothing is created: also for a read-only storage).</summary>
    public async Task<StudyInfo?> FindStudyAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (_noTables) return null;
        await using var cmd = Command(c, null, "SELECT id, metric, maximize FROM automl_studies WHERE name = @n", ("@n", name));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await r.ReadAsync(cancellationToken).ConfigureAwait(false) ? new StudyInfo(Int(r, 0), name, r.GetString(1), Int(r, 2) != 0) : null;
    }

    const string FoldColumns = "id, position, trial_number, fold, status, metric, duration_ms, peak_memory, error, worker, attempts";

    /// <summary>A row of <see cref="FoldColumns"/>.</summary>
    static StoredFold FoldRow(DbDataReader r) => new()
    {
        Id = Long(r, 0),
        Position = Int(r, 1),
        TrialNumber = Int(r, 2),
        Fold = Int(r, 3),
        Status = Enum.Parse<TrialStatus>(r.GetString(4)),
        Metric = Real(r, 5),
        Duration = Millis(r, 6),
        PeakMemoryBytes = Long(r, 7),
        Error = Text(r, 8),
        Worker = Text(r, 9),
        Attempts = Int(r, 10),
    };

    static Task<List<StoredFold>> ReadFolds(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] ps) =>
        ReadRows(c, tx, sql, FoldRow, ct, ps);

    static async Task<int> SelectionFolds(DbConnection c, DbTransaction tx, int studyId, CancellationToken ct) =>
        Convert.ToInt32(await Scalar(c, tx, "SELECT folds FROM automl_selections WHERE study_id = @s", ct, ("@s", studyId)).ConfigureAwait(false),
            CultureInfo.InvariantCulture);

    static async Task<StoredSelection?> ReadSelection(DbConnection c, DbTransaction? tx, int studyId, CancellationToken ct)
    {
        int folds, top, seed;
        await using (var cmd = Command(c, tx, "SELECT folds, top_trials, seed FROM automl_selections WHERE study_id = @s", ("@s", studyId)))
        await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            if (!await r.ReadAsync(ct).ConfigureAwait(false)) return null;
            (folds, top, seed) = (Int(r, 0), Int(r, 1), Int(r, 2));
        }
        var candidates = await ReadRows(c, tx, "SELECT position, trial_number FROM automl_cv_candidates WHERE study_id = @s ORDER BY position",
            r => (Position: Int(r, 0), Trial: Int(r, 1)), ct, ("@s", studyId)).ConfigureAwait(false);
        var jobs = await ReadFolds(c, tx, $"SELECT {FoldColumns} FROM automl_cv_folds WHERE study_id = @s ORDER BY position, fold", ct, ("@s", studyId)).ConfigureAwait(false);
        return new StoredSelection(folds, top, seed, candidates.Select(x => StoredCandidate.From(x.Position, x.Trial, folds, jobs)).ToArray());
    }

    /// <summary>
    /// Writes how <paramref name="fold"/> ended (a failure also skips its candidate's queued folds) and the
    /// candidate's summary row, under a lock on the candidate so concurrent folds of it summarise in turn.
    /// </summary>
    async Task RecordFoldAsync(DbConnection c, DbTransaction tx, int studyId, StoredFold fold, FoldOutcome outcome, CancellationToken ct)
    {
        await Exec(c, tx, $"SELECT position FROM automl_cv_candidates WHERE study_id = @s AND position = @p{RowLock}", ct,
            ("@s", studyId), ("@p", fold.Position)).ConfigureAwait(false);
        bool ok = outcome.Status == TrialStatus.Completed;
        await Exec(c, tx, $"UPDATE automl_cv_folds SET status = @st, metric = @m, duration_ms = @d, peak_memory = @pm, error = @e, finished_ms = {NowMs} WHERE id = @i", ct,
            ("@st", (ok ? TrialStatus.Completed : TrialStatus.Failed).ToString()), ("@m", ok ? Finite(outcome.Metric) : null),
            ("@d", outcome.Duration.TotalMilliseconds), ("@pm", outcome.PeakMemoryBytes), ("@e", ok ? null : outcome.Error ?? "failed"), ("@i", fold.Id)).ConfigureAwait(false);
        if (!ok)
            await Exec(c, tx, $"UPDATE automl_cv_folds SET status = 'Pruned', error = @e, finished_ms = {NowMs} WHERE study_id = @s AND position = @p AND status = 'Queued'", ct,
                ("@e", StudyCheck.SkippedFoldMessage(fold.Fold)), ("@s", studyId), ("@p", fold.Position)).ConfigureAwait(false);
        int k = await SelectionFolds(c, tx, studyId, ct).ConfigureAwait(false);
        var jobs = await ReadFolds(c, tx, $"SELECT {FoldColumns} FROM automl_cv_folds WHERE study_id = @s AND position = @p", ct,
            ("@s", studyId), ("@p", fold.Position)).ConfigureAwait(false);
        var sum = StoredCandidate.From(fold.Position, fold.TrialNumber, k, jobs);
        await Exec(c, tx, "UPDATE automl_cv_candidates SET status = @st, mean = @m, std = @sd, duration_ms = @d, peak_memory = @pm, error = @e WHERE study_id = @s AND position = @p", ct,
            ("@st", sum.Status.ToString()), ("@m", Finite(sum.Mean)), ("@sd", Finite(sum.StandardDeviation)), ("@d", sum.Duration.TotalMilliseconds),
            ("@pm", sum.PeakMemoryBytes), ("@e", sum.Error), ("@s", studyId), ("@p", fold.Position)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    async Task<StoredSelection?> ISelectionStorage.GetSelectionAsync(int studyId, CancellationToken cancellationToken)
    {
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await ReadSelection(c, null, studyId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    async Task<StoredSelection> ISelectionStorage.StartSelectionAsync(int studyId, SelectionPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancellationToken).ConfigureAwait(false);
        if (LockStudy is not null) await Exec(c, tx, LockStudy, cancellationToken, ("@s", studyId)).ConfigureAwait(false);
        if (Convert.ToInt64(await Scalar(c, tx, "SELECT COUNT(*) FROM automl_selections WHERE study_id = @s", cancellationToken, ("@s", studyId)).ConfigureAwait(false),
                CultureInfo.InvariantCulture) == 0)
        {
            await Exec(c, tx, $"INSERT INTO automl_selections (study_id, folds, top_trials, seed, created_ms) VALUES (@s, @k, @t, @seed, {NowMs})", cancellationToken,
                ("@s", studyId), ("@k", plan.Folds), ("@t", plan.TopTrials), ("@seed", plan.Seed)).ConfigureAwait(false);
            for (int p = 0; p < plan.Candidates.Count; p++)
            {
                await Exec(c, tx, "INSERT INTO automl_cv_candidates (study_id, position, trial_number, status) VALUES (@s, @p, @n, 'Queued')", cancellationToken,
                    ("@s", studyId), ("@p", p), ("@n", plan.Candidates[p])).ConfigureAwait(false);
                for (int f = 0; f < plan.Folds; f++)
                    await Exec(c, tx, "INSERT INTO automl_cv_folds (study_id, position, trial_number, fold, status, attempts, created_ms) " +
                        $"VALUES (@s, @p, @n, @f, 'Queued', 0, {NowMs})", cancellationToken,
                        ("@s", studyId), ("@p", p), ("@n", plan.Candidates[p]), ("@f", f)).ConfigureAwait(false);
            }
        }
        var stored = await ReadSelection(c, tx, studyId, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return stored!;
    }

    /// <inheritdoc/>
    async Task<StoredFold?> ISelectionStorage.ClaimFoldAsync(int studyId, string worker, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken)
    {
        var f = await ClaimAsync("automl_cv_folds", FoldColumns, "position, fold", FoldRow, f => (f.Id, f.Status, f.Attempts),
            async (c, tx, f) =>
            {
                int k = await SelectionFolds(c, tx, studyId, cancellationToken).ConfigureAwait(false);
                await RecordFoldAsync(c, tx, studyId, f, new FoldOutcome(TrialStatus.Failed, double.NaN, f.Duration, f.PeakMemoryBytes,
                    StudyCheck.FoldLostMessage(f.Fold, k, f.Attempts)), cancellationToken).ConfigureAwait(false);
            },
            studyId, worker, lease, maxAttempts, cancellationToken).ConfigureAwait(false);
        return f is null ? null : f with { Status = TrialStatus.Running, Worker = worker, Attempts = f.Attempts + 1 };
    }

    /// <inheritdoc/>
    Task<bool> ISelectionStorage.RenewFoldLeaseAsync(long foldId, string worker, TimeSpan lease, CancellationToken cancellationToken) =>
        RenewAsync("automl_cv_folds", foldId, worker, lease, cancellationToken);

    /// <inheritdoc/>
    async Task<bool> ISelectionStorage.FinishFoldAsync(long foldId, string worker, FoldOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancellationToken).ConfigureAwait(false);
        var found = await ReadFolds(c, tx, $"SELECT {FoldColumns} FROM automl_cv_folds WHERE id = @i AND worker = @w AND status = 'Running'{RowLock}",
            cancellationToken, ("@i", foldId), ("@w", worker)).ConfigureAwait(false);
        if (found.Count == 1)
        {
            var study = Convert.ToInt32(await Scalar(c, tx, "SELECT study_id FROM automl_cv_folds WHERE id = @i", cancellationToken, ("@i", foldId)).ConfigureAwait(false),
                CultureInfo.InvariantCulture);
            await RecordFoldAsync(c, tx, study, found[0], outcome, cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return found.Count == 1;
    }

    /// <inheritdoc/>
    Task ISelectionStorage.RequeueFoldAsync(long foldId, string worker, CancellationToken cancellationToken) =>
        RequeueAsync("automl_cv_folds", foldId, worker, cancellationToken);

    /// <inheritdoc/>
    public virtual void Dispose()
    {
        _init.Dispose();
        GC.SuppressFinalize(this);
    }
}
