using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.AutoML.Tests.Experiments;
using Npgsql;

namespace MLNetLlm.AutoML.Tests.Storage;

/// <summary>
/// <see cref="AutoMLExperiment.SetCrossValidatedSelection"/> as a persisted part of the study: interrupted runs resume
/// their unfinished folds (and report exactly what an uninterrupted run reports), a study whose selection started
/// searches no further, old databases open, and PostgreSQL workers share the folds. Stand-in "trainers" score by the
/// number of training rows: 100 on the holdout, about 120 in each of the 4 folds of the 160 training + validation rows.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class SelectionResumeTests : IDisposable
{
    const int HoldoutTrainRows = 100, AllRows = 160, Folds = 4;

    readonly string _dir = Directory.CreateTempSubdirectory("automl-selection-resume-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    sealed class Empty;

    static readonly ExperimentMetric Quality = ExperimentMetric.Custom("quality", maximize: true,
        (ctx, scored) => scored.GetColumn<float>("Quality").Average());

    /// <summary>
    /// Three alternatives. Holdout: a 0.9 &gt; b 0.8 &gt; c 0.7. Folds: values that depend on the fold's row count, b best.
    /// Cross-validation fits are counted per alternative; <see cref="Interrupt"/> makes a fit cancel the run when it
    /// returns true for (alternative, number of that alternative's cross-validation fits so far).
    /// </summary>
    sealed class Stages
    {
        public readonly ConcurrentDictionary<string, int> CvFits = new();
        public int HoldoutFits;
        public Func<string, int, bool> Interrupt = (_, _) => false;
        public Action<int> OnHoldoutFit = _ => { };
        public CancellationTokenSource Run = new();

        public SweepablePipeline Pipeline() => new SweepablePipeline().Append(
            Stage("a", 0.9f, n => 0.50f + n % 7 / 100f),
            Stage("b", 0.8f, n => 0.60f + n % 5 / 100f),
            Stage("c", 0.7f, n => 0.55f + n % 3 / 100f));

        SweepableEstimator Stage(string name, float holdout, Func<long, float> cv) =>
            SweepableEstimator.Create<Empty>(name, (ctx, o, trial) => new TestStages.RowCountEstimator(ctx, n =>
            {
                if (n == HoldoutTrainRows) { OnHoldoutFit(Interlocked.Increment(ref HoldoutFits)); return holdout; }
                if (n == AllRows || trial is null) return cv(n); // the refit
                int before = CvFits.AddOrUpdate(name, 1, (_, v) => v + 1) - 1;
                if (Interrupt(name, before))
                {
                    Run.Cancel(); // "Ctrl+C" while this fold trains; the trainer stops as a cancelled one does
                    trial.CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
                    trial.CancellationToken.ThrowIfCancellationRequested();
                }
                return cv(n);
            }));
    }

    static Parameter Choose(string alternative) => Parameter.FromObject([KeyValuePair.Create("a|b|c", Parameter.FromObject(
        [KeyValuePair.Create(OneOfOption.ChoiceKey, Parameter.FromString(alternative)), KeyValuePair.Create(alternative, Parameter.FromObject([]))]))]);

    static AutoMLExperiment Experiment(Stages stages, ITrialStorage storage, string study, int maxTrials = 3, int folds = Folds, int seed = 5) =>
        new MLContext(1).Llm().Auto().CreateExperiment().SetPipeline(stages.Pipeline())
            .SetDataset(TextData.Make(HoldoutTrainRows, 1), TextData.Make(AllRows - HoldoutTrainRows, 2)).SetMetric(Quality)
            .SetGridSearchTuner().SetMaxTrials(maxTrials).SetSeed(seed).SetStorage(storage, study)
            .SetCrossValidatedSelection(topTrials: 3, folds: folds);

    static StudyInfo StudyOf(ITrialStorage storage, string study) => storage.OpenStudyAsync(study, Quality.Name, true).GetAwaiter().GetResult();

    /// <summary>The reference: one uninterrupted run on a fresh in-memory storage.</summary>
    static async Task<(ExperimentResult Result, Stages Stages)> Uninterrupted()
    {
        var stages = new Stages();
        using var storage = new InMemoryTrialStorage();
        return (await Experiment(stages, storage, "reference").RunAsync(), stages);
    }

    static void AssertSameSelection(ExperimentResult expected, ExperimentResult actual)
    {
        Assert.Equal(expected.BestTrial.Pipeline, actual.BestTrial.Pipeline);
        Assert.Equal(expected.BestTrial.TrialSettings.TrialId, actual.BestTrial.TrialSettings.TrialId);
        Assert.Equal(expected.BestTrial.Metric, actual.BestTrial.Metric);
        Assert.Equal(expected.BestTrial.FoldMetrics, actual.BestTrial.FoldMetrics);
        Assert.Equal(expected.CrossValidatedTrials.Select(t => (t.TrialSettings.TrialId, t.Pipeline, t.Status, t.Metric)),
            actual.CrossValidatedTrials.Select(t => (t.TrialSettings.TrialId, t.Pipeline, t.Status, t.Metric)));
        Assert.Equal(expected.CrossValidatedTrials.Select(t => t.FoldMetrics), actual.CrossValidatedTrials.Select(t => t.FoldMetrics));
        Assert.Equal(expected.Leaderboard.Select(t => (t.TrialSettings.TrialId, t.Metric)), actual.Leaderboard.Select(t => (t.TrialSettings.TrialId, t.Metric)));
        Assert.Equal(CvTable(expected), CvTable(actual));
    }

    /// <summary>The cross-validation table of the printed leaderboard without its Seconds column (timings differ).</summary>
    static string[] CvTable(ExperimentResult r) => r.FormatLeaderboard().Split('\n').SkipWhile(l => !l.StartsWith("Cross-validated selection", StringComparison.Ordinal))
        .Select(l => l.Split('|')).Select(cells => cells.Length > 7 ? string.Join('|', cells.Where((_, i) => i != 6)) : string.Join('|', cells)).ToArray();

    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    public async Task AnInterruptedSelectionResumesWhereItStoppedAndReportsLikeAnUninterruptedRun(string kind)
    {
        var (reference, referenceStages) = await Uninterrupted();
        Assert.Equal(["a", "b", "c"], reference.CrossValidatedTrials.Select(t => t.Pipeline!));
        Assert.Equal("b", reference.BestTrial.Pipeline); // the cross-validated best, not the holdout's a
        Assert.Equal(Folds, reference.BestTrial.FoldMetrics.Count);
        Assert.All(referenceStages.CvFits.Values, n => Assert.Equal(Folds, n));

        using var storage = kind == "memory" ? new InMemoryTrialStorage() : (ITrialStorage)new SqliteTrialStorage(Path.Combine(_dir, "resume.db"));
        // run 1: cancelled while b's first fold trains (a's folds are done)
        var first = new Stages { Interrupt = (name, n) => name == "b" && n == 0 };
        Assert.Equal("cancelled", (await Experiment(first, storage, "s").RunAsync(first.Run.Token)).StopReason);
        Assert.Equal(3, first.HoldoutFits);
        Assert.Equal((Folds, 1), (first.CvFits["a"], first.CvFits["b"]));
        var study = StudyOf(storage, "s");
        var stored = (await ((ISelectionStorage)storage).GetSelectionAsync(study.Id))!;
        Assert.Equal([TrialStatus.Completed, TrialStatus.Queued, TrialStatus.Queued], stored.Candidates.Select(c => c.Status));
        Assert.All(stored.Candidates[1].Folds, f => Assert.Equal((TrialStatus.Queued, 0), (f.Status, f.Attempts))); // the interrupted fold was requeued
        // then a process that had claimed b's second fold was killed: its lease runs out
        var killed = (await ((ISelectionStorage)storage).ClaimFoldAsync(study.Id, "killed-worker", TimeSpan.FromSeconds(-10), 2))!;
        Assert.Equal((1, 0), (killed.Position, killed.Fold)); // b's re-queued fold

        // run 2: the same experiment resumes: no new trial, a's folds are not run again, b's and c's are
        var second = new Stages();
        var resumed = await Experiment(second, storage, "s").RunAsync();
        Assert.Equal(0, second.HoldoutFits);
        Assert.False(second.CvFits.ContainsKey("a"));
        Assert.Equal((Folds, Folds), (second.CvFits["b"], second.CvFits["c"]));
        var retried = (await ((ISelectionStorage)storage).GetSelectionAsync(study.Id))!.Candidates[1].Folds[0];
        Assert.Equal(2, retried.Attempts);
        Assert.NotEqual("killed-worker", retried.Worker);
        Assert.Equal(3, resumed.Trials.Count);
        AssertSameSelection(reference, resumed);
        Assert.NotNull(resumed.BestTrial.Model);
        Assert.Equal(reference.BestTrial.Model!.Transform(TextData.Make(3, 9)).GetColumn<float>("Quality"),
            resumed.BestTrial.Model!.Transform(TextData.Make(3, 9)).GetColumn<float>("Quality"));

        // run 3: the finished study reports the same again, running nothing
        var third = new Stages();
        AssertSameSelection(reference, await Experiment(third, storage, "s").RunAsync());
        Assert.Equal((0, 0), (third.HoldoutFits, third.CvFits.Count));
    }

    [Fact]
    public async Task ACancelledSearchResumesTheSearchAndAStartedSelectionEndsIt()
    {
        using var storage = new SqliteTrialStorage(Path.Combine(_dir, "phases.db"));
        // run 1: cancelled while the second trial trains
        int holdoutSeen = 0;
        using var searchStop = new CancellationTokenSource();
        var cancelSecond = new SweepablePipeline().Append(
            SweepableEstimator.Create<Empty>("a", (ctx, o, trial) => new TestStages.RowCountEstimator(ctx, n => Hold(n, 0.9f, trial))),
            SweepableEstimator.Create<Empty>("b", (ctx, o, trial) => new TestStages.RowCountEstimator(ctx, n => Hold(n, 0.8f, trial))),
            SweepableEstimator.Create<Empty>("c", (ctx, o, trial) => new TestStages.RowCountEstimator(ctx, n => Hold(n, 0.7f, trial))));
        float Hold(long n, float q, TrialContext? trial)
        {
            if (n == HoldoutTrainRows && Interlocked.Increment(ref holdoutSeen) == 2 && trial is not null)
            {
                searchStop.Cancel();
                trial.CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
                trial.CancellationToken.ThrowIfCancellationRequested();
            }
            return q;
        }
        // a cancellation after a completed trial returns what finished (the holdout best), without the selection
        var cancelled = await new MLContext(1).Llm().Auto().CreateExperiment().SetPipeline(cancelSecond)
            .SetDataset(TextData.Make(HoldoutTrainRows, 1), TextData.Make(AllRows - HoldoutTrainRows, 2)).SetMetric(Quality)
            .SetGridSearchTuner().SetMaxTrials(3).SetSeed(5).SetStorage(storage, "phases").SetCrossValidatedSelection(topTrials: 3, folds: Folds)
            .RunAsync(searchStop.Token);
        Assert.Equal(("cancelled", 0), (cancelled.StopReason, cancelled.CrossValidatedTrials.Count));
        var study = StudyOf(storage, "phases");
        Assert.Null(await ((ISelectionStorage)storage).GetSelectionAsync(study.Id)); // a cancelled search starts no selection
        Assert.Contains(await storage.GetTrialsAsync(study.Id), t => t.Status == TrialStatus.Cancelled); // the interrupted trial waits

        // run 2: the search resumes and completes; cancelled at the selection's first fold
        var second = new Stages { Interrupt = (name, n) => name == "a" && n == 0 };
        Assert.Equal("cancelled", (await Experiment(second, storage, "phases").RunAsync(second.Run.Token)).StopReason);
        Assert.Equal(2, second.HoldoutFits); // the re-queued trial and the third
        Assert.NotNull(await ((ISelectionStorage)storage).GetSelectionAsync(study.Id));

        // run 3 asks for more trials from a tuner that has more to propose, but the study's search is over: it goes
        // straight to the selection
        var third = new Stages();
        var result = await Experiment(third, storage, "phases", maxTrials: 6).SetRandomSearchTuner().RunAsync();
        Assert.Equal(0, third.HoldoutFits);
        Assert.Equal(3, result.Trials.Count);
        Assert.StartsWith("the cross-validated selection had started", result.StopReason);
        Assert.Equal(Folds * 3, third.CvFits.Values.Sum());
        AssertSameSelection((await Uninterrupted()).Result, result);

        // resuming with other selection settings is a clear error naming them
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Experiment(new Stages(), storage, "phases", folds: 3).RunAsync());
        Assert.Contains("Study 'phases' started its cross-validated selection with 4 folds of the top 3 trial(s), not 3 folds of the top 3", e.Message);
    }

    [Fact]
    public async Task AWorkerStopsSearchingWhenAnotherStartsTheSelection()
    {
        using var storage = new InMemoryTrialStorage();
        var study = StudyOf(storage, "shared");
        // while this worker trains its second trial, another worker (sharing the study) ends the search with its plan
        var stages = new Stages
        {
            OnHoldoutFit = n =>
            {
                if (n == 2) ((ISelectionStorage)storage).StartSelectionAsync(study.Id, new SelectionPlan(Folds, 3, 5, [1])).GetAwaiter().GetResult();
            },
        };
        var result = await Experiment(stages, storage, "shared").RunAsync();
        Assert.Equal(2, stages.HoldoutFits); // the trial in progress finished, no third one started
        Assert.Equal([TrialStatus.Completed, TrialStatus.Completed], result.Trials.Select(t => t.Status));
        Assert.StartsWith("the cross-validated selection had started", result.StopReason);
        var only = Assert.Single(result.CrossValidatedTrials); // the stored plan, not this worker's own
        Assert.Equal((1, TrialStatus.Completed, Folds), (only.TrialSettings.TrialId, only.Status, only.FoldMetrics.Count));
        Assert.Equal(1, result.BestTrial.TrialSettings.TrialId);
    }

    /// <summary>An <see cref="ITrialStorage"/> of someone else's: trials only, no persisted selection.</summary>
    sealed class TrialsOnly(ITrialStorage inner) : ITrialStorage
    {
        public Task<StudyInfo> OpenStudyAsync(string name, string metric, bool maximize, CancellationToken ct = default) => inner.OpenStudyAsync(name, metric, maximize, ct);
        public Task<StoredTrial?> ClaimTrialAsync(int studyId, string worker, TimeSpan lease, int maxAttempts, CancellationToken ct = default) =>
            inner.ClaimTrialAsync(studyId, worker, lease, maxAttempts, ct);
        public Task<StoredTrial?> CreateTrialAsync(int studyId, int? maxTrials, Func<int, (Parameter Parameter, string? Pipeline)?> propose, string worker, TimeSpan lease,
            CancellationToken ct = default) => inner.CreateTrialAsync(studyId, maxTrials, propose, worker, lease, ct);
        public Task<bool> RenewLeaseAsync(long trialId, string worker, TimeSpan lease, CancellationToken ct = default) => inner.RenewLeaseAsync(trialId, worker, lease, ct);
        public Task AddReportAsync(long trialId, int step, double loss, CancellationToken ct = default) => inner.AddReportAsync(trialId, step, loss, ct);
        public Task<IReadOnlyList<MLNetLlm.AutoML.Pruners.IntermediateReport>> GetReportsAsync(int studyId, CancellationToken ct = default) => inner.GetReportsAsync(studyId, ct);
        public Task<bool> FinishTrialAsync(long trialId, string worker, TrialResult result, CancellationToken ct = default) => inner.FinishTrialAsync(trialId, worker, result, ct);
        public Task RequeueTrialAsync(long trialId, string worker, CancellationToken ct = default) => inner.RequeueTrialAsync(trialId, worker, ct);
        public Task<StoredTrial> EnqueueTrialAsync(int studyId, Parameter parameter, string? pipeline = null, CancellationToken ct = default) =>
            inner.EnqueueTrialAsync(studyId, parameter, pipeline, ct);
        public Task<IReadOnlyList<StoredTrial>> GetTrialsAsync(int studyId, CancellationToken ct = default) => inner.GetTrialsAsync(studyId, ct);
        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public async Task WithAnotherStorageTheSelectionRunsInMemory()
    {
        using var inner = new InMemoryTrialStorage();
        using var storage = new TrialsOnly(inner);
        var result = await Experiment(new Stages(), storage, "plain").RunAsync();
        AssertSameSelection((await Uninterrupted()).Result, result);
        Assert.Null(await ((ISelectionStorage)inner).GetSelectionAsync(StudyOf(inner, "plain").Id)); // nothing reached the wrapped storage
        // so a re-run cross-validates again (the search is over by its trial limit)
        var again = new Stages();
        AssertSameSelection(result, await Experiment(again, storage, "plain").RunAsync());
        Assert.Equal((0, 3 * Folds), (again.HoldoutFits, again.CvFits.Values.Sum()));
    }

    // the tables as the first version created them: no fold_metrics column, no selection tables
    static readonly string[] FirstSqliteSchema =
    [
        "CREATE TABLE automl_studies (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, metric TEXT NOT NULL, maximize INTEGER NOT NULL, created_ms INTEGER NOT NULL)",
        "CREATE TABLE automl_trials (id INTEGER PRIMARY KEY AUTOINCREMENT, study_id INTEGER NOT NULL REFERENCES automl_studies(id), number INTEGER NOT NULL, " +
            "status TEXT NOT NULL, parameters TEXT NOT NULL, pipeline TEXT, metric REAL, loss REAL, duration_ms REAL, peak_memory INTEGER, error TEXT, worker TEXT, " +
            "attempts INTEGER NOT NULL DEFAULT 0, lease_expires_ms INTEGER, created_ms INTEGER NOT NULL, finished_ms INTEGER, UNIQUE (study_id, number))",
        "CREATE TABLE automl_reports (trial_id INTEGER NOT NULL REFERENCES automl_trials(id), step INTEGER NOT NULL, loss REAL NOT NULL, PRIMARY KEY (trial_id, step))",
    ];

    static readonly string[] FirstPostgresSchema =
    [
        "CREATE TABLE automl_studies (id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, metric TEXT NOT NULL, maximize INT NOT NULL, created_ms BIGINT NOT NULL)",
        "CREATE TABLE automl_trials (id BIGSERIAL PRIMARY KEY, study_id INT NOT NULL REFERENCES automl_studies(id), number INT NOT NULL, " +
            "status TEXT NOT NULL, parameters TEXT NOT NULL, pipeline TEXT, metric DOUBLE PRECISION, loss DOUBLE PRECISION, duration_ms DOUBLE PRECISION, " +
            "peak_memory BIGINT, error TEXT, worker TEXT, attempts INT NOT NULL DEFAULT 0, lease_expires_ms BIGINT, created_ms BIGINT NOT NULL, finished_ms BIGINT, " +
            "UNIQUE (study_id, number))",
        "CREATE TABLE automl_reports (trial_id BIGINT NOT NULL REFERENCES automl_trials(id), step INT NOT NULL, loss DOUBLE PRECISION NOT NULL, PRIMARY KEY (trial_id, step))",
        "CREATE INDEX automl_trials_claim ON automl_trials (study_id, status)",
    ];

    [Fact]
    public async Task ADatabaseOfTheFirstSchemaOpensAndResumes()
    {
        string db = Path.Combine(_dir, "old.db");
        await FirstSchemaStudyResumes(() => new SqliteConnection($"Data Source={db}"), FirstSqliteSchema, () => new SqliteTrialStorage(db),
            "SELECT COUNT(*) FROM pragma_table_info('automl_trials') WHERE name = 'fold_metrics'");
    }

    [PostgresFact]
    public async Task ADatabaseOfTheFirstSchemaOpensAndResumesOnPostgres()
    {
        // a schema of its own, so the tables start as the first version made them
        string schema = $"first_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(PostgresAvailability.ConnectionString))
        {
            await admin.OpenAsync();
            await Exec(admin, $"CREATE SCHEMA {schema}");
        }
        string cs = new NpgsqlConnectionStringBuilder(PostgresAvailability.ConnectionString) { SearchPath = schema }.ConnectionString;
        try
        {
            await FirstSchemaStudyResumes(() => new NpgsqlConnection(cs), FirstPostgresSchema, () => new PostgresTrialStorage(cs),
                $"SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = 'automl_trials' AND column_name = 'fold_metrics'");
        }
        finally
        {
            await using var admin = new NpgsqlConnection(PostgresAvailability.ConnectionString);
            await admin.OpenAsync();
            await Exec(admin, $"DROP SCHEMA {schema} CASCADE");
        }
    }

    /// <summary>
    /// A study written by the first version: two finished trials and a third whose worker was killed. Opened by this
    /// version, it gets the new column and tables, retries the third trial, cross-validates, and reports like an
    /// uninterrupted run; the candidates' summary rows are in automl_cv_candidates.
    /// </summary>
    static async Task FirstSchemaStudyResumes(Func<DbConnection> connect, string[] schema, Func<ITrialStorage> open, string foldMetricsColumnCount)
    {
        var reference = (await Uninterrupted()).Result;
        await using (var c = connect())
        {
            await c.OpenAsync();
            foreach (var sql in schema) await Exec(c, sql);
            await Exec(c, "INSERT INTO automl_studies (name, metric, maximize, created_ms) VALUES ('old', 'quality', 1, 0)");
            foreach (var t in reference.Trials)
            {
                bool killed = t.TrialSettings.TrialId == 3;
                await Exec(c, "INSERT INTO automl_trials (study_id, number, status, parameters, pipeline, metric, loss, duration_ms, peak_memory, worker, attempts, lease_expires_ms, created_ms, finished_ms) " +
                    string.Create(CultureInfo.InvariantCulture, $"VALUES (1, {t.TrialSettings.TrialId}, '{(killed ? "Running" : "Completed")}', '{t.TrialSettings.Parameter.ToJson()}', '{t.Pipeline}', ") +
                    (killed ? "NULL, NULL, NULL, NULL, 'old-worker', 1, 0, 0, NULL)" : string.Create(CultureInfo.InvariantCulture, $"{t.Metric:R}, {t.Loss:R}, 10, 1000, 'old-worker', 1, NULL, 0, 0)")));
            }
        }

        using (var storage = open())
        {
            var stages = new Stages();
            var result = await Experiment(stages, storage, "old").RunAsync();
            Assert.Equal(1, stages.HoldoutFits); // the killed worker's trial, retried
            Assert.Equal(2, (await storage.GetTrialsAsync(StudyOf(storage, "old").Id)).Single(t => t.Number == 3).Attempts);
            AssertSameSelection(reference, result);

            await using var c = connect();
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = foldMetricsColumnCount;
            Assert.Equal(1L, Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture));
            cmd.CommandText = "SELECT trial_number, status, mean FROM automl_cv_candidates ORDER BY position";
            await using var r = await cmd.ExecuteReaderAsync();
            foreach (var t in result.CrossValidatedTrials)
            {
                Assert.True(await r.ReadAsync());
                Assert.Equal((t.TrialSettings.TrialId, "Completed", t.Metric), (r.GetInt32(0), r.GetString(1), r.GetDouble(2)));
            }
            Assert.False(await r.ReadAsync());
        }
    }

    static async Task Exec(DbConnection c, string sql)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task AKFoldStudysTrialsKeepTheirFoldMetricsWhenResumed()
    {
        using var storage = new SqliteTrialStorage(Path.Combine(_dir, "kfold.db"));
        AutoMLExperiment KFold(int maxTrials) => new MLContext(1).Llm().Auto().CreateExperiment().SetPipeline(new Stages().Pipeline())
            .SetDataset(TextData.Make(AllRows, 1), folds: 3).SetMetric(Quality).SetGridSearchTuner().SetMaxTrials(maxTrials).SetSeed(5).SetStorage(storage, "kfold");
        var first = await KFold(2).RunAsync();
        Assert.All(first.Trials, t => Assert.Equal(3, t.FoldMetrics.Count));
        var resumed = await KFold(3).RunAsync();
        Assert.Equal(first.Trials.Select(t => t.FoldMetrics), resumed.Trials.Take(2).Select(t => t.FoldMetrics));
        Assert.Equal(3, resumed.Trials[2].FoldMetrics.Count);
    }

    [PostgresFact]
    public async Task WorkersSharingAPostgresStudyCrossValidateEachFoldOnceAndRecoverAKilledWorkersFold()
    {
        string study = $"cv-shared-{Guid.NewGuid():N}";
        var reference = (await Uninterrupted()).Result;
        using var setup = new PostgresTrialStorage(PostgresAvailability.ConnectionString!);
        // the search, then the selection interrupted at a's second fold; a's third fold then claimed by a worker that dies
        var first = new Stages { Interrupt = (name, n) => name == "a" && n == 1 };
        Assert.Equal("cancelled", (await Experiment(first, setup, study).RunAsync(first.Run.Token)).StopReason);
        var info = StudyOf(setup, study);
        var killed = (await ((ISelectionStorage)setup).ClaimFoldAsync(info.Id, "killed-worker", TimeSpan.FromSeconds(-10), 2))!;
        Assert.Equal((0, 1), (killed.Position, killed.Fold)); // the re-queued fold comes first

        // two "machines": separate storages and experiments on one study, at once
        var (w1, w2) = (new Stages(), new Stages());
        using var s1 = new PostgresTrialStorage(PostgresAvailability.ConnectionString!);
        using var s2 = new PostgresTrialStorage(PostgresAvailability.ConnectionString!);
        var results = await Task.WhenAll(
            Task.Run(() => Experiment(w1, s1, study).RunAsync()),
            Task.Run(() => Experiment(w2, s2, study).RunAsync()));

        // a's first fold ran in the first run; every other fold ran exactly once, on one of the two workers
        Assert.Equal(3 * Folds - 1, w1.CvFits.Values.Sum() + w2.CvFits.Values.Sum());
        Assert.Equal(0, w1.HoldoutFits + w2.HoldoutFits);
        var folds = (await ((ISelectionStorage)setup).GetSelectionAsync(info.Id))!.Candidates.SelectMany(c => c.Folds).ToArray();
        Assert.All(folds, f => Assert.Equal(TrialStatus.Completed, f.Status));
        var recovered = folds.Single(f => f.Id == killed.Id);
        Assert.Equal(2, recovered.Attempts);
        Assert.NotEqual("killed-worker", recovered.Worker);
        Assert.All(folds.Where(f => f.Id != killed.Id), f => Assert.Equal(1, f.Attempts));
        AssertSameSelection(reference, results[0]);
        AssertSameSelection(reference, results[1]);
    }
}
