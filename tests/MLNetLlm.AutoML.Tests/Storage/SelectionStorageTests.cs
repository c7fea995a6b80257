using System.Data.Common;
using Microsoft.Data.Sqlite;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Storage;
using Npgsql;

namespace MLNetLlm.AutoML.Tests.Storage;

/// <summary>
/// The storage contract of the persisted cross-validated selection (plan, fold jobs claimed under leases, candidate
/// summaries), run on every storage (PostgreSQL ones skipped locally when no server is reachable).
/// </summary>
public sealed class SelectionStorageTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("automl-selection-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<string> Kinds => ["memory", "sqlite"];

    string SqlitePath => Path.Combine(_dir, "selection.db");

    ITrialStorage Open(string kind) => kind switch
    {
        "memory" => new InMemoryTrialStorage(),
        "sqlite" => new SqliteTrialStorage(SqlitePath),
        _ => new PostgresTrialStorage(PostgresAvailability.ConnectionString!),
    };

    static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    // a lease that has already run out when it is granted: the worker "dies" at once, with no waiting in the test
    static readonly TimeSpan Expired = TimeSpan.FromSeconds(-10);

    static FoldOutcome Done(double metric, int seconds, long peak) => new(TrialStatus.Completed, metric, TimeSpan.FromSeconds(seconds), peak, null);

    [Theory, MemberData(nameof(Kinds))]
    public async Task TheFirstPlanWinsFoldsGoInCandidateOrderAndCandidatesAreSummarised(string kind)
    {
        using var storage = Open(kind);
        var s = (ISelectionStorage)storage;
        var study = await storage.OpenStudyAsync(Unique("plan"), "quality", true);
        Assert.Null(await s.GetSelectionAsync(study.Id));
        var started = await s.StartSelectionAsync(study.Id, new SelectionPlan(3, 2, 7, [5, 2]));
        Assert.Equal((3, 2, 7), (started.Folds, started.TopTrials, started.Seed));
        Assert.Equal([5, 2], started.Candidates.Select(c => c.TrialNumber));
        Assert.All(started.Candidates, c => Assert.Equal(TrialStatus.Queued, c.Status));
        Assert.All(started.Candidates, c => Assert.Equal([0, 1, 2], c.Folds.Select(f => f.Fold)));
        // another worker arriving later with its own plan gets the stored one
        var again = await s.StartSelectionAsync(study.Id, new SelectionPlan(4, 1, 9, [1]));
        Assert.Equal((3, 2, 7), (again.Folds, again.TopTrials, again.Seed));
        Assert.Equal([5, 2], again.Candidates.Select(c => c.TrialNumber));

        var f0 = (await s.ClaimFoldAsync(study.Id, "w1", Minute, 2))!;
        var f1 = (await s.ClaimFoldAsync(study.Id, "w2", Minute, 2))!;
        Assert.Equal((5, 0, 0, 1), (f0.TrialNumber, f0.Position, f0.Fold, f0.Attempts));
        Assert.Equal((5, 1), (f1.TrialNumber, f1.Fold));
        Assert.True(await s.RenewFoldLeaseAsync(f0.Id, "w1", Minute));
        Assert.False(await s.FinishFoldAsync(f0.Id, "w2", Done(0.1, 1, 1)));
        Assert.True(await s.FinishFoldAsync(f0.Id, "w1", Done(0.8, 2, 100)));
        Assert.True(await s.FinishFoldAsync(f1.Id, "w2", Done(0.6, 3, 300)));
        Assert.False(await s.RenewFoldLeaseAsync(f1.Id, "w2", Minute)); // finished: nothing to hold
        var mid = (await s.GetSelectionAsync(study.Id))!.Candidates[0];
        Assert.Equal(TrialStatus.Queued, mid.Status); // two of three folds: unfinished
        Assert.Equal([0.8, 0.6], mid.FoldMetrics);
        var f2 = (await s.ClaimFoldAsync(study.Id, "w1", Minute, 2))!;
        Assert.Equal((5, 2), (f2.TrialNumber, f2.Fold));
        Assert.True(await s.FinishFoldAsync(f2.Id, "w1", Done(0.7, 4, 200)));

        // a failed fold fails its candidate and its queued folds are not run
        var g0 = (await s.ClaimFoldAsync(study.Id, "w1", Minute, 2))!;
        Assert.Equal((2, 1, 0), (g0.TrialNumber, g0.Position, g0.Fold));
        Assert.True(await s.FinishFoldAsync(g0.Id, "w1", new FoldOutcome(TrialStatus.Failed, double.NaN, TimeSpan.FromSeconds(1), 50, "Cross-validation fold 1 of 3: boom")));
        Assert.Null(await s.ClaimFoldAsync(study.Id, "w1", Minute, 2));

        var final = (await s.GetSelectionAsync(study.Id))!;
        var (a, b) = (final.Candidates[0], final.Candidates[1]);
        Assert.Equal(TrialStatus.Completed, a.Status);
        AssertClose.Equal(0.7, a.Mean, abs: 1e-12);
        AssertClose.Equal(0.1, a.StandardDeviation, abs: 1e-12);
        Assert.Equal([0.8, 0.6, 0.7], a.FoldMetrics);
        Assert.Equal(TimeSpan.FromSeconds(9), a.Duration);
        Assert.Equal(300, a.PeakMemoryBytes);
        Assert.Equal(TrialStatus.Failed, b.Status);
        Assert.Equal("Cross-validation fold 1 of 3: boom", b.Error);
        Assert.True(double.IsNaN(b.Mean));
        Assert.Equal([TrialStatus.Failed, TrialStatus.Pruned, TrialStatus.Pruned], b.Folds.Select(f => f.Status));
        Assert.Equal("Not run: fold 1 of this candidate failed.", b.Folds[1].Error);

        if (kind != "memory")
        {
            // the SQL storages keep each candidate's summary in automl_cv_candidates, for people reading the database
            var rows = await SummaryRows(kind, study.Id);
            Assert.Equal(2, rows.Count);
            Assert.Equal(("Completed", 0.7, 0.1, 9000.0, 300L, (string?)null), (rows[0].Status, Math.Round(rows[0].Mean!.Value, 12), Math.Round(rows[0].Std!.Value, 12),
                rows[0].DurationMs, rows[0].Peak, rows[0].Error));
            Assert.Equal(("Failed", (double?)null, "Cross-validation fold 1 of 3: boom"), (rows[1].Status, rows[1].Mean, rows[1].Error));
        }
    }

    async Task<List<(string Status, double? Mean, double? Std, double DurationMs, long Peak, string? Error)>> SummaryRows(string kind, int studyId)
    {
        await using DbConnection c = kind == "sqlite" ? new SqliteConnection($"Data Source={SqlitePath}") : new NpgsqlConnection(PostgresAvailability.ConnectionString);
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT status, mean, std, duration_ms, peak_memory, error FROM automl_cv_candidates WHERE study_id = {studyId} ORDER BY position";
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<(string, double?, double?, double, long, string?)>();
        while (await r.ReadAsync())
            rows.Add((r.GetString(0), r.IsDBNull(1) ? null : r.GetDouble(1), r.IsDBNull(2) ? null : r.GetDouble(2), r.GetDouble(3), r.GetInt64(4),
                r.IsDBNull(5) ? null : r.GetString(5)));
        return rows;
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task AFoldWhoseWorkerDiedIsRetriedThenFailedAndAnInterruptedOneIsRequeued(string kind)
    {
        using var storage = Open(kind);
        var s = (ISelectionStorage)storage;
        var study = await storage.OpenStudyAsync(Unique("lease"), "quality", true);
        await s.StartSelectionAsync(study.Id, new SelectionPlan(2, 1, 0, [1]));
        var dead = (await s.ClaimFoldAsync(study.Id, "dead", Expired, 2))!;
        var retry = (await s.ClaimFoldAsync(study.Id, "alive", Expired, 2))!;
        Assert.Equal(dead.Id, retry.Id);
        Assert.Equal(("alive", 2), (retry.Worker, retry.Attempts));
        Assert.False(await s.RenewFoldLeaseAsync(dead.Id, "dead", Minute)); // the dead worker lost it
        Assert.False(await s.FinishFoldAsync(dead.Id, "dead", Done(0.9, 1, 1)));
        // the second worker died too: the fold is failed, the candidate with it
        Assert.Null(await s.ClaimFoldAsync(study.Id, "third", Minute, 2));
        var c = Assert.Single((await s.GetSelectionAsync(study.Id))!.Candidates);
        Assert.Equal(TrialStatus.Failed, c.Status);
        Assert.Equal("Cross-validation fold 1 of 2: the worker running it stopped renewing its lease 2 time(s) (killed or disconnected); not retried again.", c.Error);
        Assert.Equal(TrialStatus.Pruned, c.Folds[1].Status);

        var other = await storage.OpenStudyAsync(Unique("requeue"), "quality", true);
        await s.StartSelectionAsync(other.Id, new SelectionPlan(2, 1, 0, [3]));
        var first = (await s.ClaimFoldAsync(other.Id, "w1", Minute, 2))!;
        await s.RequeueFoldAsync(first.Id, "w1");
        var again = (await s.ClaimFoldAsync(other.Id, "w2", Minute, 2))!;
        Assert.Equal((first.Id, 1, "w2"), (again.Id, again.Attempts, again.Worker));
        // the selections of two studies do not mix
        Assert.Equal([1], (await s.GetSelectionAsync(study.Id))!.Candidates.Select(x => x.TrialNumber));
    }

    [PostgresFact]
    public Task TheFirstPlanWinsFoldsGoInCandidateOrderAndCandidatesAreSummarisedOnPostgres() =>
        TheFirstPlanWinsFoldsGoInCandidateOrderAndCandidatesAreSummarised("postgres");

    [PostgresFact]
    public Task AFoldWhoseWorkerDiedIsRetriedThenFailedAndAnInterruptedOneIsRequeuedOnPostgres() =>
        AFoldWhoseWorkerDiedIsRetriedThenFailedAndAnInterruptedOneIsRequeued("postgres");

    [PostgresFact]
    public async Task ConcurrentWorkersClaimEachFoldOnceAndAgreeOnThePlan()
    {
        string name = Unique("fold-race");
        var storages = Enumerable.Range(0, 4).Select(_ => new PostgresTrialStorage(PostgresAvailability.ConnectionString!)).ToArray();
        try
        {
            var study = await storages[0].OpenStudyAsync(name, "quality", true);
            var tasks = storages.Select((st, w) => Task.Run(async () =>
            {
                ISelectionStorage s = st;
                // every worker proposes its own plan at once; one is stored
                var plan = await s.StartSelectionAsync(study.Id, new SelectionPlan(4, 10, w, Enumerable.Range(1 + w * 100, 10).ToArray()));
                var mine = new List<long>();
                while (await s.ClaimFoldAsync(study.Id, $"w{w}", Minute, 2) is { } f)
                {
                    mine.Add(f.Id);
                    Assert.True(await s.FinishFoldAsync(f.Id, $"w{w}", Done(f.Fold, 0, 0)));
                }
                return (plan.Seed, mine);
            })).ToArray();
            var results = await Task.WhenAll(tasks);
            Assert.Single(results.Select(r => r.Seed).Distinct());
            var claimed = results.SelectMany(r => r.mine).ToArray();
            Assert.Equal(40, claimed.Length);
            Assert.Equal(40, claimed.Distinct().Count());
            var final = (await ((ISelectionStorage)storages[0]).GetSelectionAsync(study.Id))!;
            Assert.All(final.Candidates, c => Assert.Equal((TrialStatus.Completed, 1.5), (c.Status, c.Mean)));
        }
        finally
        {
            foreach (var st in storages) st.Dispose();
        }
    }
}
