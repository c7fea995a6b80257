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
/// No two trials of a study share parameters: not after a resume (the tuner is told every stored trial and its random
/// stream continues), not between parallel workers (threads of one experiment, or processes sharing a PostgreSQL study).
/// </summary>
public sealed class NoRepeatedParametersTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("automl-norepeat-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    sealed class Knobs
    {
        [Range(0.0, 1.0)] public double X { get; set; } = 0.5;
        [Range(1, 50)] public int N { get; set; } = 10;
        [Choice("a", "b", "c")] public string K { get; set; } = "a";
    }

    /// <summary>A quick stage whose quality depends on its parameter; <paramref name="onFit"/> runs in each fit with the trial.</summary>
    static SweepablePipeline Pipeline(Action<TrialContext?>? onFit = null) => new SweepablePipeline().Append(
        SweepableEstimator.Create<Knobs>("knobs", (ctx, o, trial) => new TestStages.RowCountEstimator(ctx, _ =>
        {
            onFit?.Invoke(trial);
            return (float)(1 - Math.Pow(o.X - 0.3, 2) - Math.Abs(o.N - 20) / 100.0 - (o.K == "b" ? 0 : 0.1));
        })));

    static readonly ExperimentMetric Quality = ExperimentMetric.Custom("quality", true, (ctx, scored) => scored.GetColumn<float>("Quality").Average());

    static AutoMLExperiment Experiment(SweepablePipeline pipeline, ITrialStorage storage, string study, string tuner, int maxTrials, int seed = 1)
    {
        var e = new MLContext(seed).Llm().Auto().CreateExperiment().SetPipeline(pipeline).SetDataset(TextData.Make(20, 1), TextData.Make(10, 2))
            .SetMetric(Quality).SetMaxTrials(maxTrials).SetSeed(seed).SetStorage(storage, study).SetLease(TimeSpan.FromSeconds(30));
        return tuner switch
        {
            "random" => e.SetRandomSearchTuner(),
            "grid" => e.SetGridSearchTuner(step: 3),
            "gp" => e.SetGaussianProcessTuner(),
            _ => e.SetSmacTuner(),
        };
    }

    static void AssertNoRepeats(IEnumerable<StoredTrial> trials)
    {
        var repeated = trials.GroupBy(t => t.ParameterHash).Where(g => g.Count() > 1).Select(g => string.Join(",", g.Select(t => t.Number))).ToArray();
        Assert.True(repeated.Length == 0, $"trials with equal parameters: {string.Join("; ", repeated)}");
    }

    [Theory]
    [InlineData("random")]
    [InlineData("smac")]
    [InlineData("grid")]
    public async Task AResumedSqliteStudyNeverRepeatsParametersAndEndsWithTheRequestedTrialCount(string tuner)
    {
        string db = Path.Combine(_dir, $"{tuner}.db");
        using (var storage = new SqliteTrialStorage(db))
        {
            // run 1: interrupted (Ctrl+C) while its fourth trial trains; what finished is returned
            using var stop = new CancellationTokenSource();
            int fits = 0;
            var interrupted = Pipeline(trial =>
            {
                if (Interlocked.Increment(ref fits) != 4 || trial is null) return;
                stop.Cancel();
                trial.CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
                trial.CancellationToken.ThrowIfCancellationRequested();
            });
            var first = await Experiment(interrupted, storage, "s", tuner, 10).RunAsync(stop.Token);
            Assert.Equal("cancelled", first.StopReason);
            Assert.Equal([TrialStatus.Completed, TrialStatus.Completed, TrialStatus.Completed, TrialStatus.Cancelled], first.Trials.Select(t => t.Status));
            // then a process holding a fifth trial was killed (kill -9): its lease runs out
            var study = await storage.OpenStudyAsync("s", Quality.Name, true);
            var stored = await storage.GetTrialsAsync(study.Id);
            var fresh = Pipeline().SearchSpace.SampleFromFeatureSpace([0.9, 0.9, 0.9]);
            Assert.DoesNotContain(stored, t => t.Parameter.Equals(fresh));
            Assert.NotNull(await storage.CreateTrialAsync(study.Id, null, _ => (fresh, "knobs"), "killed", TimeSpan.FromSeconds(-10)));
        }

        using (var storage = new SqliteTrialStorage(db))
        {
            // run 2: the same command again (same seed): it re-runs the cancelled and the killed trial, then proposes new ones
            var second = await Experiment(Pipeline(), storage, "s", tuner, 10).RunAsync();
            Assert.Equal(Enumerable.Range(1, 10), second.Trials.Select(t => t.TrialSettings.TrialId));
            Assert.All(second.Trials, t => Assert.Equal(TrialStatus.Completed, t.Status));
            var study = await storage.OpenStudyAsync("s", Quality.Name, true);
            AssertNoRepeats(await storage.GetTrialsAsync(study.Id));

            // run 3 asks for more: the study continues, still without a repeat
            var third = await Experiment(Pipeline(), storage, "s", tuner, 16).RunAsync();
            Assert.Equal(16, third.Trials.Count);
            AssertNoRepeats(await storage.GetTrialsAsync(study.Id));
        }
    }

    [Theory]
    [InlineData("random")]
    [InlineData("smac")]
    [InlineData("gp")]
    [InlineData("grid")]
    public async Task ParallelTrialsOfOneExperimentNeverShareParameters(string tuner)
    {
        using var storage = new InMemoryTrialStorage();
        var result = await Experiment(Pipeline(), storage, "threads", tuner, 14).SetParallelism(3).RunAsync();
        Assert.Equal(14, result.Trials.Count);
        AssertNoRepeats(await storage.GetTrialsAsync((await storage.OpenStudyAsync("threads", Quality.Name, true)).Id));
    }

    [PostgresTheory]
    [InlineData("random")]
    [InlineData("smac")]
    public async Task TwoProcessesOnOnePostgresStudyNeverShareParameters(string tuner)
    {
        // two "processes" started with the same command (same seed): separate storages, tuners and contexts on one
        // study; each trial holds its parameters from the moment it is created, so the other worker proposes around it
        string study = $"norepeat-{tuner}-{Guid.NewGuid():N}";
        using var s1 = new PostgresTrialStorage(PostgresAvailability.ConnectionString!);
        using var s2 = new PostgresTrialStorage(PostgresAvailability.ConnectionString!);
        var slow = Pipeline(_ => Thread.Sleep(20)); // overlap the two workers' trials
        await Task.WhenAll(
            Task.Run(() => Experiment(slow, s1, study, tuner, 14).SetParallelism(2).RunAsync()),
            Task.Run(() => Experiment(slow, s2, study, tuner, 14).SetParallelism(2).RunAsync()));
        var info = await s1.OpenStudyAsync(study, Quality.Name, true);
        var trials = await s1.GetTrialsAsync(info.Id);
        Assert.Equal(14, trials.Count);
        Assert.All(trials, t => Assert.Equal(TrialStatus.Completed, t.Status));
        Assert.True(trials.Select(t => t.Worker!.Split('/')[0]).Distinct().Count() == 2, "both workers ran trials");
        AssertNoRepeats(trials);
        // and the database agrees: its parameters-hash column has no value twice in the study
        await using var c = new NpgsqlConnection(PostgresAvailability.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT COUNT(*) FROM (SELECT parameters_hash FROM automl_trials WHERE study_id = @s GROUP BY parameters_hash HAVING COUNT(*) > 1) d", c);
        cmd.Parameters.AddWithValue("s", info.Id);
        Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!);
    }
}
