using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Pruners;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Tests.Experiments;

public sealed class AutoMLExperimentTests
{
    sealed class Prediction
    {
        public bool PredictedLabel { get; set; }
    }

    sealed class Nothing
    {
        [Range(0, 1)] public int Unused { get; set; }
    }

    sealed class Empty
    {
    }

    static SweepablePipeline Pipeline(AutoCatalog auto)
    {
        // the default spaces, narrowed in code to keep the test fast
        var trees = new SearchSpace<DefaultSpaces.FastTreeSearchOptions>
        {
            ["NumberOfTrees"] = new UniformIntOption(5, 20),
            ["NumberOfLeaves"] = new UniformIntOption(4, 8),
        };
        return new SweepablePipeline()
            .Append(auto.FeaturizeText("Features", "Text"))
            .Append(auto.SdcaLogisticRegression(numberOfThreads: 1), auto.FastTreeBinary(numberOfThreads: 1, searchSpace: trees));
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public async Task FindsAGoodModelRefitsItAndReportsEveryTrial()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        var started = new List<int>();
        var completed = new List<TrialResult>();
        var experiment = auto.CreateExperiment()
            .SetPipeline(Pipeline(auto))
            .SetDataset(TextData.Make(160, 1), TextData.Make(80, 2))
            .SetBinaryClassificationMetric(BinaryClassificationMetric.F1Score)
            .SetMaxTrials(6)
            .SetParallelism(2)
            .SetRandomSearchTuner(seed: 3);
        experiment.TrialStarted += (_, s) => { lock (started) started.Add(s.TrialId); };
        experiment.TrialCompleted += (_, r) => { lock (completed) completed.Add(r); };

        var result = await experiment.RunAsync();

        Assert.Equal(6, result.Trials.Count);
        Assert.Equal([1, 2, 3, 4, 5, 6], started.Order().ToArray());
        Assert.Equal(6, completed.Count);
        Assert.All(result.Trials, t => Assert.Equal(TrialStatus.Completed, t.Status));
        Assert.All(result.Trials, t => Assert.True(t.PeakMemoryBytes > 0 && t.Duration > TimeSpan.Zero));
        Assert.Equal(result.Leaderboard[0].TrialSettings.TrialId, result.BestTrial.TrialSettings.TrialId);
        Assert.True(result.Leaderboard.Zip(result.Leaderboard.Skip(1)).All(p => p.First.Metric >= p.Second.Metric));
        Assert.True(result.BestTrial.Metric > 0.8, result.FormatLeaderboard());
        Assert.Contains("featurize_text ⇒ ", result.BestTrial.Pipeline);
        Assert.Contains("trial limit of 6", result.StopReason);

        // the refitted model scores new data as well as the trial did
        var test = TextData.Make(100, 9);
        var metrics = ml.BinaryClassification.EvaluateNonCalibrated(result.BestTrial.Model!.Transform(test));
        Assert.True(metrics.F1Score > 0.75, $"F1 {metrics.F1Score}");
        Assert.Contains("| Rank | Trial | binary:F1Score |", result.FormatLeaderboard());
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public async Task FailedTrialsAreRecordedAndTheSearchGoesOn()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        var broken = SweepableEstimator.Create<Nothing>("broken", (ctx, o) => throw new InvalidOperationException("this trainer is broken"));
        var pipeline = new SweepablePipeline().Append(auto.FeaturizeText()).Append(auto.SdcaLogisticRegression(numberOfThreads: 1), broken);
        var result = await auto.CreateExperiment().SetPipeline(pipeline).SetDataset(TextData.Make(120, 1), TextData.Make(60, 2))
            .SetBinaryClassificationMetric(BinaryClassificationMetric.Accuracy).SetMaxTrials(8).SetRandomSearchTuner(seed: 1).RunAsync();
        var failed = result.Trials.Where(t => t.Status == TrialStatus.Failed).ToArray();
        Assert.NotEmpty(failed);
        Assert.All(failed, f => Assert.Contains("this trainer is broken", f.Error));
        Assert.Equal("featurize_text ⇒ sdca", result.BestTrial.Pipeline);
    }

    [Fact]
    public async Task NoSuccessfulTrialIsAClearError()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        var broken = SweepableEstimator.Create<Nothing>("broken", (ctx, o) => throw new InvalidOperationException("this trainer is broken"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => auto.CreateExperiment()
            .SetPipeline(new SweepablePipeline().Append(broken)).SetDataset(TextData.Make(40, 1), TextData.Make(20, 2))
            .SetBinaryClassificationMetric().SetMaxTrials(2).RunAsync());
        Assert.Contains("No trial completed successfully", e.Message);
        Assert.Contains("this trainer is broken", e.Message);
    }

    [Fact]
    public async Task MissingSettingsAndUnknownMetricsAreClearErrors()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        Assert.Contains("No pipeline", (await Assert.ThrowsAsync<InvalidOperationException>(() => auto.CreateExperiment().RunAsync())).Message);
        Assert.Contains("No stopping rule", (await Assert.ThrowsAsync<InvalidOperationException>(() => auto.CreateExperiment()
            .SetPipeline(Pipeline(auto)).SetDataset(TextData.Make(20, 1), 0.5).SetBinaryClassificationMetric().RunAsync())).Message);
        Assert.Contains("none with anything to choose", (await Assert.ThrowsAsync<ArgumentException>(() => auto.CreateExperiment()
            .SetPipeline(new SweepablePipeline().Append(ml.Transforms.Text.FeaturizeText("Features", "Text")))
            .SetDataset(TextData.Make(20, 1), 0.5).SetBinaryClassificationMetric().SetMaxTrials(1).RunAsync())).Message);
        var unknown = Assert.Throws<ArgumentException>(() => ExperimentMetric.Parse("binary", "f2"));
        Assert.Contains("Unknown binary metric 'f2'", unknown.Message);
        Assert.Contains("F1Score", unknown.Message);
        Assert.Contains("Unknown task", Assert.Throws<ArgumentException>(() => ExperimentMetric.Parse("ranking", "ndcg")).Message);
        Assert.Equal("regression:RootMeanSquaredError", ExperimentMetric.Parse("regression", "rmse").Name);
        Assert.False(ExperimentMetric.Parse("regression", "rmse").Maximize);
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public async Task TrainingRowStepsChangeOnlyTheTrainingRows()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        var seen = new List<int>();
        var keepEveryOther = SweepableEstimator.CreateTrainingRowStep<Empty>("subsample", (ctx, o, data) =>
        {
            var mem = InMemoryDataView.Materialize(data);
            var rows = Enumerable.Range(0, mem.RowCount).Where(i => i % 2 == 0).ToArray();
            lock (seen) seen.Add(mem.RowCount);
            return mem.SelectRows(rows);
        });
        var pipeline = new SweepablePipeline().Append(keepEveryOther, SweepableEstimator.Skip())
            .Append(ml.Transforms.Text.FeaturizeText("Features", "Text"), "featurize")
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(), "sdca");
        var result = await auto.CreateExperiment().SetPipeline(pipeline).SetDataset(TextData.Make(100, 1), TextData.Make(50, 2))
            .SetBinaryClassificationMetric(BinaryClassificationMetric.Accuracy).SetMaxTrials(4).SetGridSearchTuner().RunAsync();
        Assert.True(2 == result.Trials.Count, string.Join("\n", result.Trials.Select(t => $"{t.TrialSettings.TrialId} {t.Status} {t.Pipeline} {t.TrialSettings.Parameter} {t.Error}"))); // the grid has two points: with and without the row step
        Assert.Contains("nothing left to propose", result.StopReason);
        Assert.Contains(result.Trials, t => t.Pipeline!.StartsWith("subsample"));
        Assert.Contains(result.Trials, t => t.Pipeline!.StartsWith("none"));
        // only training data reached the step: 100 rows per trial (150 with validation when the best model is refitted)
        Assert.All(seen, n => Assert.True(n == 100 || n == 150, $"the row step saw {n} rows"));
        // the final model has no row step: it scores every row it is given
        var scored = result.BestTrial.Model!.Transform(TextData.Make(30, 5));
        Assert.Equal(30, scored.GetColumn<bool>("PredictedLabel").Count());
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public async Task CrossValidationReportsFoldsAndTheMedianPrunerStopsBadTrials()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        var pipeline = new SweepablePipeline().Append(auto.FeaturizeText()).Append(auto.SdcaLogisticRegression(numberOfThreads: 1));
        var result = await auto.CreateExperiment().SetPipeline(pipeline).SetDataset(TextData.Make(150, 1), folds: 3, samplingKeyColumnName: "Group")
            .SetBinaryClassificationMetric(BinaryClassificationMetric.Accuracy).SetMaxTrials(8).SetRandomSearchTuner(seed: 2)
            .SetPruner(new MedianPruner(minTrials: 2)).RunAsync();
        var completed = result.Trials.Where(t => t.Status == TrialStatus.Completed).ToArray();
        Assert.NotEmpty(completed);
        Assert.Equal(3, result.BestTrial.FoldMetrics.Count);
        AssertClose.Equal(result.BestTrial.FoldMetrics.Average(), result.BestTrial.Metric, abs: 1e-9);
        var pruned = result.Trials.Where(t => t.Status == TrialStatus.Pruned).ToArray();
        Assert.NotEmpty(pruned);
        Assert.All(pruned, p => Assert.StartsWith("Pruned at step", p.Error));
    }

    [Fact]
    public async Task CancellingBeforeAnyTrialCompletesThrows()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => auto.CreateExperiment().SetPipeline(Pipeline(auto))
            .SetDataset(TextData.Make(40, 1), TextData.Make(20, 2)).SetBinaryClassificationMetric().SetMaxTrials(3).RunAsync(cts.Token));
    }

    [Fact]
    public async Task ATrialOverItsTimeoutIsRecordedAsFailed()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        // waits for its trial to be cancelled (by the timeout) instead of training
        var hang = SweepableEstimator.Create<Nothing>("hang", (ctx, o, trial) =>
        {
            trial!.CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(60));
            trial.CancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("not cancelled");
        });
        var pipeline = new SweepablePipeline().Append(auto.FeaturizeText()).Append(hang, auto.SdcaLogisticRegression(numberOfThreads: 1));
        var result = await auto.CreateExperiment().SetPipeline(pipeline).SetDataset(TextData.Make(60, 1), TextData.Make(30, 2))
            .SetBinaryClassificationMetric().SetMaxTrials(4).SetParallelism(2).SetTrialTimeout(TimeSpan.FromSeconds(5)).SetRandomSearchTuner(seed: 1).RunAsync();
        var hung = result.Trials.Where(t => t.Pipeline!.EndsWith("hang")).ToArray();
        Assert.NotEmpty(hung);
        Assert.All(hung, t => { Assert.Equal(TrialStatus.Failed, t.Status); Assert.StartsWith("Timed out after 5 s", t.Error); });
        Assert.EndsWith("sdca", result.BestTrial.Pipeline);
    }

    [Fact]
    public async Task ATrainerThatIgnoresCancellationIsAbandonedAtItsTimeoutAndItsLateModelDisposed()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        using var release = new ManualResetEventSlim();
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // blocks until the test releases it, whatever its cancellation says (like a trainer that never checks it)
        var stubborn = SweepableEstimator.Create<Empty>("stubborn", (ctx, o) => new TestStages.RowCountEstimator(ctx, n =>
        {
            release.Wait();
            return 1f;
        }, onDispose: () => disposed.TrySetResult()));
        var quick = SweepableEstimator.Create<Empty>("quick", (ctx, o) => new TestStages.RowCountEstimator(ctx, _ => 0.5f));
        var result = await auto.CreateExperiment().SetPipeline(new SweepablePipeline().Append(stubborn, quick))
            .SetDataset(TextData.Make(40, 1), TextData.Make(20, 2))
            .SetMetric(ExperimentMetric.Custom("quality", true, (ctx, scored) => scored.GetColumn<float>("Quality").Average()))
            .SetGridSearchTuner().SetMaxTrials(2).SetParallelism(2).SetTrialTimeout(TimeSpan.FromSeconds(8)).RunAsync();

        // the experiment ended while the stubborn training was still blocked
        Assert.False(release.IsSet);
        var abandoned = result.Trials.Single(t => t.Pipeline == "stubborn");
        Assert.Equal(TrialStatus.Failed, abandoned.Status);
        Assert.StartsWith("Timed out after 8 s", abandoned.Error);
        Assert.Equal("quick", result.BestTrial.Pipeline);
        // when it finally finishes, the model nobody will use is disposed
        release.Set();
        await disposed.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task TheTimeBudgetEndsTheSearchAndInterruptedTrialsAreRecordedAsCancelledAndRunAgainByALaterRun()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        // every trial waits for cancellation, so only the budget can end them (no dependence on the machine's speed)
        var hang = SweepableEstimator.Create<Nothing>("hang", (ctx, o, trial) =>
        {
            trial!.CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(60));
            trial.CancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("not cancelled");
        });
        using var storage = new MLNetLlm.AutoML.Storage.InMemoryTrialStorage();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => auto.CreateExperiment()
            .SetPipeline(new SweepablePipeline().Append(hang)).SetDataset(TextData.Make(20, 1), TextData.Make(10, 2))
            .SetBinaryClassificationMetric().SetTrainingTimeInSeconds(1).SetParallelism(2).SetStorage(storage, "budget").RunAsync());
        Assert.Contains("stopped: time budget of 1 s", e.Message);
        var study = await storage.OpenStudyAsync("budget", "binary:Accuracy", true);
        var trials = await storage.GetTrialsAsync(study.Id);
        // two workers: both trials have usually started when the budget ends, but on a loaded machine the second one
        // may not have been claimed yet; whichever started is recorded as cancelled with how long it ran, none failed or lost
        Assert.InRange(trials.Count, 1, 2);
        Assert.All(trials, t =>
        {
            Assert.Equal(TrialStatus.Cancelled, t.Status);
            Assert.True(t.Duration > TimeSpan.Zero);
            Assert.StartsWith("Stopped after", t.Error);
            Assert.Contains("the time budget ended; its training stopped", t.Error);
            Assert.Equal(0, t.Attempts); // the cancelled attempt does not count against its retries
        });
        // a later run picks them up again
        var claimed = await storage.ClaimTrialAsync(study.Id, "later", TimeSpan.FromMinutes(1), 2);
        Assert.Equal(trials[0].Number, claimed!.Number);
    }
}
