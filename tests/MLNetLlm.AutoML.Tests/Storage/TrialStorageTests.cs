using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using Npgsql;

namespace MLNetLlm.AutoML.Tests.Storage;

/// <summary>The storage contract, run on every storage (PostgreSQL ones skipped locally when no server is reachable).</summary>
public sealed class TrialStorageTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("automl-storage-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Kinds => ["memory", "sqlite"];

    ITrialStorage Open(string kind) => kind switch
    {
        "memory" => new InMemoryTrialStorage(),
        "sqlite" => new SqliteTrialStorage(Path.Combine(_dir, "trials.db")),
        _ => new PostgresTrialStorage(PostgresAvailability.ConnectionString!),
    };

    static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    // a lease that has already run out when it is granted: the worker "dies" at once, with no waiting in the test
    static readonly TimeSpan Expired = TimeSpan.FromSeconds(-10);

    static Parameter P(int i) => Parameter.FromObject([KeyValuePair.Create("x", Parameter.FromInt(i))]);

    [Theory, MemberData(nameof(Kinds))]
    public async Task TrialsAreNumberedStoredAndFinished(string kind)
    {
        using var storage = Open(kind);
        var study = await storage.OpenStudyAsync(Unique("s"), "binary:F1Score", maximize: true);
        var a = await storage.CreateTrialAsync(study.Id, 3, n => (P(n), "p"), "w1", TimeSpan.FromMinutes(1));
        var b = await storage.CreateTrialAsync(study.Id, 3, n => (P(n), null), "w1", TimeSpan.FromMinutes(1));
        Assert.Equal([1, 2], new[] { a!.Number, b!.Number });
        Assert.True(await storage.FinishTrialAsync(a.Id, "w1", new TrialResult
        {
            TrialSettings = new TrialSettings { TrialId = 1, Parameter = a.Parameter }, Metric = 0.8, Loss = -0.8,
            Duration = TimeSpan.FromSeconds(2), PeakMemoryBytes = 12345, Pipeline = "p", FoldMetrics = [0.75, 0.85, 0.1 + 0.2],
        }));
        Assert.False(await storage.FinishTrialAsync(b.Id, "someone-else", new TrialResult { TrialSettings = new TrialSettings() }));
        await storage.AddReportAsync(a.Id, 1, -0.7);
        await storage.AddReportAsync(a.Id, 1, -0.75);
        var trials = await storage.GetTrialsAsync(study.Id);
        Assert.Equal(2, trials.Count);
        Assert.Equal(TrialStatus.Completed, trials[0].Status);
        Assert.Equal(0.8, trials[0].Metric);
        Assert.Equal(12345, trials[0].PeakMemoryBytes);
        AssertClose.Equal(2000, trials[0].Duration.TotalMilliseconds, abs: 1e-3);
        Assert.Equal(P(1), trials[0].Parameter);
        Assert.Equal([0.75, 0.85, 0.1 + 0.2], trials[0].FoldMetrics); // exact: a k-fold trial's folds survive a resume
        Assert.Empty(trials[1].FoldMetrics);
        Assert.Equal(TrialStatus.Running, trials[1].Status);
        Assert.Equal(-0.75, Assert.Single(await storage.GetReportsAsync(study.Id)).Loss);
        // the limit counts every trial of the study
        Assert.NotNull(await storage.CreateTrialAsync(study.Id, 3, n => (P(n), null), "w1", TimeSpan.FromMinutes(1)));
        bool called = false;
        Assert.Null(await storage.CreateTrialAsync(study.Id, 3, n => { called = true; return (P(n), null); }, "w1", TimeSpan.FromMinutes(1)));
        Assert.False(called);
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task ATrialWhoseWorkerDiedIsRetriedOnceItsLeaseExpiresThenFailed(string kind)
    {
        using var storage = Open(kind);
        var study = await storage.OpenStudyAsync(Unique("lease"), "m", false);
        var t = await storage.CreateTrialAsync(study.Id, null, n => (P(n), null), "dead", Expired);
        var retry = await storage.ClaimTrialAsync(study.Id, "alive", Expired, maxAttempts: 2);
        Assert.NotNull(retry);
        Assert.Equal(t!.Id, retry.Id);
        Assert.Equal(2, retry.Attempts);
        Assert.Equal("alive", retry.Worker);
        Assert.False(await storage.RenewLeaseAsync(t.Id, "dead", TimeSpan.FromMinutes(1))); // the dead worker lost it
        Assert.Null(await storage.ClaimTrialAsync(study.Id, "third", TimeSpan.FromMinutes(1), maxAttempts: 2));
        var stored = Assert.Single(await storage.GetTrialsAsync(study.Id));
        Assert.Equal(TrialStatus.Failed, stored.Status);
        Assert.Contains("stopped renewing its lease 2 time(s)", stored.Error);
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task QueuedTrialsAreClaimedOnceAndRequeuedOnInterrupt(string kind)
    {
        using var storage = Open(kind);
        var study = await storage.OpenStudyAsync(Unique("queue"), "m", false);
        var q = await storage.EnqueueTrialAsync(study.Id, P(42), "fixed");
        var first = await storage.ClaimTrialAsync(study.Id, "w1", TimeSpan.FromMinutes(1), 2);
        Assert.Equal(q.Id, first!.Id);
        Assert.Equal(P(42), first.Parameter);
        Assert.Null(await storage.ClaimTrialAsync(study.Id, "w2", TimeSpan.FromMinutes(1), 2));
        await storage.RequeueTrialAsync(first.Id, "w1");
        var again = await storage.ClaimTrialAsync(study.Id, "w2", TimeSpan.FromMinutes(1), 2);
        Assert.Equal(q.Id, again!.Id);
        Assert.Equal(1, again.Attempts);
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task AStudyKeepsItsMetric(string kind)
    {
        using var storage = Open(kind);
        string name = Unique("metric");
        var s1 = await storage.OpenStudyAsync(name, "binary:F1Score", true);
        var s2 = await storage.OpenStudyAsync(name, "binary:F1Score", true);
        Assert.Equal(s1.Id, s2.Id);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => storage.OpenStudyAsync(name, "binary:Accuracy", true));
        Assert.Contains("was created for metric binary:F1Score", e.Message);
    }

    [PostgresFact]
    public Task TrialsAreNumberedStoredAndFinishedOnPostgres() => TrialsAreNumberedStoredAndFinished("postgres");

    [PostgresFact]
    public Task ATrialWhoseWorkerDiedIsRetriedOnceItsLeaseExpiresThenFailedOnPostgres() => ATrialWhoseWorkerDiedIsRetriedOnceItsLeaseExpiresThenFailed("postgres");

    [PostgresFact]
    public Task QueuedTrialsAreClaimedOnceAndRequeuedOnInterruptOnPostgres() => QueuedTrialsAreClaimedOnceAndRequeuedOnInterrupt("postgres");

    [PostgresFact]
    public Task AStudyKeepsItsMetricOnPostgres() => AStudyKeepsItsMetric("postgres");

    [PostgresFact]
    public async Task ConcurrentWorkersNeverShareANumberNorExceedTheLimit()
    {
        string study = Unique("race");
        var storages = Enumerable.Range(0, 4).Select(_ => new PostgresTrialStorage(PostgresAvailability.ConnectionString!)).ToArray();
        try
        {
            var info = await storages[0].OpenStudyAsync(study, "m", false);
            var tasks = storages.Select((s, w) => Task.Run(async () =>
            {
                var mine = new List<int>();
                while (await s.CreateTrialAsync(info.Id, 40, n => (P(n), null), $"w{w}", TimeSpan.FromMinutes(1)) is { } t) mine.Add(t.Number);
                return mine;
            })).ToArray();
            var all = (await Task.WhenAll(tasks)).SelectMany(x => x).Order().ToArray();
            Assert.Equal(Enumerable.Range(1, 40), all);
        }
        finally
        {
            foreach (var s in storages) s.Dispose();
        }
    }

    [Fact]
    public void BadConnectionSettingsAreClearErrors()
    {
        Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() => new SqliteTrialStorage("/no/such/folder/x.db")).Message);
        Assert.Contains("Not a valid PostgreSQL connection string", Assert.Throws<ArgumentException>(() => new PostgresTrialStorage("Hots=x;;=")).Message);
    }
}
