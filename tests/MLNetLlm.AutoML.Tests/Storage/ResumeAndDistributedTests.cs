using Microsoft.ML;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.AutoML.Tests.Experiments;

namespace MLNetLlm.AutoML.Tests.Storage;

public sealed class ResumeAndDistributedTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("automl-resume-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    sealed class Regularisation
    {
        [Range(1e-4, 1.0, logBase: true)] public float L2 { get; set; } = 0.01f;
    }

    static SweepablePipeline Pipeline(MLContext ml) => new SweepablePipeline()
        .Append(ml.Transforms.Text.FeaturizeText("Features", "Text"), "featurize")
        .Append(SweepableEstimator.Create<Regularisation>("sdca", (ctx, o) =>
            ctx.BinaryClassification.Trainers.SdcaLogisticRegression(l2Regularization: o.L2, maximumNumberOfIterations: 5)));

    static AutoMLExperiment Experiment(MLContext ml, ITrialStorage storage, string study, int maxTrials, int seed) =>
        ml.Llm().Auto().CreateExperiment().SetPipeline(Pipeline(ml)).SetDataset(TextData.Make(80, 1), TextData.Make(40, 2))
            .SetBinaryClassificationMetric(BinaryClassificationMetric.Accuracy).SetMaxTrials(maxTrials).SetStorage(storage, study)
            .SetGaussianProcessTuner().SetSeed(seed).SetLease(TimeSpan.FromSeconds(30), maxAttempts: 2);

    // a trial held by a worker that was killed: its lease ran out before anyone looked
    static async Task<StoredTrial> KilledWorkerTrial(ITrialStorage storage, StudyInfo study, MLContext ml)
    {
        var p = Pipeline(ml).SearchSpace.Default;
        return (await storage.CreateTrialAsync(study.Id, null, _ => (p, "featurize ⇒ sdca"), "killed-worker", TimeSpan.FromSeconds(-10)))!;
    }

    [Fact]
    public async Task ASqliteStudyResumesWhereItStoppedAndRetriesTheInterruptedTrial()
    {
        string db = Path.Combine(_dir, "study.db");
        var ml = new MLContext(1);
        using (var storage = new SqliteTrialStorage(db))
        {
            var first = await Experiment(ml, storage, "spam", 3, seed: 1).RunAsync();
            Assert.Equal(3, first.Trials.Count);
            var study = await storage.OpenStudyAsync("spam", "binary:Accuracy", true);
            await KilledWorkerTrial(storage, study, ml);
        }

        using (var storage = new SqliteTrialStorage(db))
        {
            var second = await Experiment(ml, storage, "spam", 6, seed: 2).RunAsync();
            Assert.Equal([1, 2, 3, 4, 5, 6], second.Trials.Select(t => t.TrialSettings.TrialId).ToArray());
            Assert.All(second.Trials, t => Assert.Equal(TrialStatus.Completed, t.Status));
            var stored = await storage.GetTrialsAsync((await storage.OpenStudyAsync("spam", "binary:Accuracy", true)).Id);
            Assert.Equal(2, stored.Single(t => t.Number == 4).Attempts); // the killed worker's trial ran again
            Assert.Equal(6, second.Leaderboard.Count);
            Assert.NotNull(second.BestTrial.Model);
        }
    }

    [PostgresFact]
    public async Task WorkersSharingAPostgresStudyRunEveryTrialOnceAndRecoverAKilledWorkersTrial()
    {
        string study = $"shared-{Guid.NewGuid():N}";
        using var setup = new PostgresTrialStorage(PostgresAvailability.ConnectionString!);
        var info = await setup.OpenStudyAsync(study, "binary:Accuracy", true);
        var killed = await KilledWorkerTrial(setup, info, new MLContext(0));

        // two "machines": separate contexts, storages and tuners on one study
        using var s1 = new PostgresTrialStorage(PostgresAvailability.ConnectionString!);
        using var s2 = new PostgresTrialStorage(PostgresAvailability.ConnectionString!);
        var results = await Task.WhenAll(
            Task.Run(() => Experiment(new MLContext(1), s1, study, 8, seed: 1).RunAsync()),
            Task.Run(() => Experiment(new MLContext(2), s2, study, 8, seed: 2).RunAsync()));

        var trials = await setup.GetTrialsAsync(info.Id);
        Assert.Equal(Enumerable.Range(1, 8), trials.Select(t => t.Number));
        Assert.All(trials, t => Assert.Equal(TrialStatus.Completed, t.Status));
        var recovered = trials.Single(t => t.Id == killed.Id);
        Assert.Equal(2, recovered.Attempts);
        Assert.NotEqual("killed-worker", recovered.Worker);
        Assert.All(results, r => Assert.Equal(8, r.Trials.Count));
        Assert.Equal(results[0].BestTrial.Metric, results[1].BestTrial.Metric);
    }
}
