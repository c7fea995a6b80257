using System.Data.Common;
using System.Globalization;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Pruners;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Storage;

/// <summary>
/// Trials in a SQL database (tables automl_studies, automl_trials, automl_reports, created when missing). Each
/// operation opens a pooled connection and runs in one transaction; times are the database's clock in Unix
/// milliseconds, so workers on machines with skewed clocks agree on lease expiry.
/// </summary>
public abstract class SqlTrialStorage : ITrialStorage
{
    bool _initialised;
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

    async Task<DbConnection> ConnectAsync(CancellationToken ct)
    {
        var c = await OpenAsync(ct).ConfigureAwait(false);
        if (_initialised) return c;
        await _init.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_initialised)
            {
                await using var tx = await BeginAsync(c, ct).ConfigureAwait(false);
                foreach (var sql in SchemaStatements) await Exec(c, tx, sql, ct).ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                _initialised = true;
            }
        }
        finally { _init.Release(); }
        return c;
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

    const string TrialColumns = "id, number, status, parameters, pipeline, metric, loss, duration_ms, peak_memory, error, worker, attempts";

    static async Task<List<StoredTrial>> ReadTrials(DbConnection c, DbTransaction? tx, string sql, CancellationToken ct, params (string, object?)[] ps)
    {
        await using var cmd = Command(c, tx, sql, ps);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<StoredTrial>();
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(new StoredTrial
            {
                Id = Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture),
                Number = Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture),
                Status = Enum.Parse<TrialStatus>(r.GetString(2)),
                Parameter = Parameter.FromJson(r.GetString(3)),
                Pipeline = r.IsDBNull(4) ? null : r.GetString(4),
                Metric = r.IsDBNull(5) ? double.NaN : Convert.ToDouble(r.GetValue(5), CultureInfo.InvariantCulture),
                Loss = r.IsDBNull(6) ? double.NaN : Convert.ToDouble(r.GetValue(6), CultureInfo.InvariantCulture),
                Duration = r.IsDBNull(7) ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Convert.ToDouble(r.GetValue(7), CultureInfo.InvariantCulture)),
                PeakMemoryBytes = r.IsDBNull(8) ? 0 : Convert.ToInt64(r.GetValue(8), CultureInfo.InvariantCulture),
                Error = r.IsDBNull(9) ? null : r.GetString(9),
                Worker = r.IsDBNull(10) ? null : r.GetString(10),
                Attempts = Convert.ToInt32(r.GetValue(11), CultureInfo.InvariantCulture),
            });
        }
        return list;
    }

    static object? Finite(double v) => double.IsFinite(v) ? v : null;

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
            study = new StudyInfo(Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), name, r.GetString(1),
                Convert.ToInt32(r.GetValue(2), CultureInfo.InvariantCulture) != 0);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        StudyCheck.EnsureSame(study, metric, maximize);
        return study;
    }

    /// <inheritdoc/>
    public async Task<StoredTrial?> ClaimTrialAsync(int studyId, string worker, TimeSpan lease, int maxAttempts, CancellationToken cancellationToken = default)
    {
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            await using var tx = await BeginAsync(c, cancellationToken).ConfigureAwait(false);
            var found = await ReadTrials(c, tx,
                $"SELECT {TrialColumns} FROM automl_trials WHERE study_id = @s AND ((status = 'Running' AND lease_expires_ms < {NowMs}) OR status = 'Queued') " +
                $"ORDER BY CASE WHEN status = 'Running' THEN 0 ELSE 1 END, number LIMIT 1{ClaimLock}",
                cancellationToken, ("@s", studyId)).ConfigureAwait(false);
            if (found.Count == 0) { await tx.CommitAsync(cancellationToken).ConfigureAwait(false); return null; }
            var t = found[0];
            if (t.Status == TrialStatus.Running && t.Attempts >= maxAttempts)
            {
                await Exec(c, tx, $"UPDATE automl_trials SET status = 'Failed', error = @e, finished_ms = {NowMs} WHERE id = @i",
                    cancellationToken, ("@e", StudyCheck.LostMessage(t.Attempts)), ("@i", t.Id)).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            await Exec(c, tx, $"UPDATE automl_trials SET status = 'Running', worker = @w, attempts = attempts + 1, lease_expires_ms = {NowMs} + @l WHERE id = @i",
                cancellationToken, ("@w", worker), ("@l", (long)lease.TotalMilliseconds), ("@i", t.Id)).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return t with { Status = TrialStatus.Running, Worker = worker, Attempts = t.Attempts + 1 };
        }
    }

    /// <inheritdoc/>
    public async Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, (Parameter Parameter, string? Pipeline)?> propose,
        string worker, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(propose);
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancellationToken).ConfigureAwait(false);
        if (LockStudy is not null) await Exec(c, tx, LockStudy, cancellationToken, ("@s", studyId)).ConfigureAwait(false);
        long count = Convert.ToInt64(await Scalar(c, tx, "SELECT COUNT(*) FROM automl_trials WHERE study_id = @s", cancellationToken, ("@s", studyId)).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (maxTrials is int max && count >= max) { await tx.CommitAsync(cancellationToken).ConfigureAwait(false); return null; }
        int number = Convert.ToInt32(await Scalar(c, tx, "SELECT COALESCE(MAX(number), 0) FROM automl_trials WHERE study_id = @s", cancellationToken, ("@s", studyId)).ConfigureAwait(false), CultureInfo.InvariantCulture) + 1;
        var proposal = propose(number);
        if (proposal is null) { await tx.CommitAsync(cancellationToken).ConfigureAwait(false); return null; }
        var (parameter, pipeline) = proposal.Value;
        long id = Convert.ToInt64(await Scalar(c, tx,
            "INSERT INTO automl_trials (study_id, number, status, parameters, pipeline, worker, attempts, lease_expires_ms, created_ms) " +
            $"VALUES (@s, @n, 'Running', @p, @pl, @w, 1, {NowMs} + @l, {NowMs}) RETURNING id",
            cancellationToken, ("@s", studyId), ("@n", number), ("@p", parameter.ToJson()), ("@pl", pipeline), ("@w", worker),
            ("@l", (long)lease.TotalMilliseconds)).ConfigureAwait(false), CultureInfo.InvariantCulture);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new StoredTrial { Id = id, Number = number, Status = TrialStatus.Running, Parameter = parameter, Pipeline = pipeline, Worker = worker, Attempts = 1 };
    }

    /// <inheritdoc/>
    public async Task<bool> RenewLeaseAsync(long trialId, string worker, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await Exec(c, null, $"UPDATE automl_trials SET lease_expires_ms = {NowMs} + @l WHERE id = @i AND worker = @w AND status = 'Running'",
            cancellationToken, ("@l", (long)lease.TotalMilliseconds), ("@i", trialId), ("@w", worker)).ConfigureAwait(false) == 1;
    }

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
        await using var cmd = Command(c, null, "SELECT t.number, r.step, r.loss FROM automl_reports r JOIN automl_trials t ON t.id = r.trial_id WHERE t.study_id = @s ORDER BY t.number, r.step", ("@s", studyId));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<IntermediateReport>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            list.Add(new IntermediateReport(Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture),
                Convert.ToDouble(r.GetValue(2), CultureInfo.InvariantCulture)));
        return list;
    }

    /// <inheritdoc/>
    public async Task<bool> FinishTrialAsync(long trialId, string worker, TrialResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await Exec(c, null,
            "UPDATE automl_trials SET status = @st, metric = @m, loss = @lo, duration_ms = @d, peak_memory = @pm, error = @e, " +
            $"pipeline = COALESCE(@pl, pipeline), finished_ms = {NowMs} WHERE id = @i AND worker = @w AND status = 'Running'",
            cancellationToken, ("@st", result.Status.ToString()), ("@m", Finite(result.Metric)), ("@lo", Finite(result.Loss)),
            ("@d", result.Duration.TotalMilliseconds), ("@pm", result.PeakMemoryBytes), ("@e", result.Error), ("@pl", result.Pipeline),
            ("@i", trialId), ("@w", worker)).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc/>
    public async Task RequeueTrialAsync(long trialId, string worker, CancellationToken cancellationToken = default)
    {
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await Exec(c, null, "UPDATE automl_trials SET status = 'Queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE id = @i AND worker = @w AND status = 'Running'",
            cancellationToken, ("@i", trialId), ("@w", worker)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<StoredTrial> EnqueueTrialAsync(int studyId, Parameter parameter, string? pipeline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await BeginAsync(c, cancellationToken).ConfigureAwait(false);
        if (LockStudy is not null) await Exec(c, tx, LockStudy, cancellationToken, ("@s", studyId)).ConfigureAwait(false);
        int number = Convert.ToInt32(await Scalar(c, tx, "SELECT COALESCE(MAX(number), 0) FROM automl_trials WHERE study_id = @s", cancellationToken, ("@s", studyId)).ConfigureAwait(false), CultureInfo.InvariantCulture) + 1;
        long id = Convert.ToInt64(await Scalar(c, tx,
            $"INSERT INTO automl_trials (study_id, number, status, parameters, pipeline, attempts, created_ms) VALUES (@s, @n, 'Queued', @p, @pl, 0, {NowMs}) RETURNING id",
            cancellationToken, ("@s", studyId), ("@n", number), ("@p", parameter.ToJson()), ("@pl", pipeline)).ConfigureAwait(false), CultureInfo.InvariantCulture);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new StoredTrial { Id = id, Number = number, Status = TrialStatus.Queued, Parameter = parameter, Pipeline = pipeline };
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredTrial>> GetTrialsAsync(int studyId, CancellationToken cancellationToken = default)
    {
        await using var c = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await ReadTrials(c, null, $"SELECT {TrialColumns} FROM automl_trials WHERE study_id = @s ORDER BY number", cancellationToken, ("@s", studyId)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public virtual void Dispose()
    {
        _init.Dispose();
        GC.SuppressFinalize(this);
    }
}
