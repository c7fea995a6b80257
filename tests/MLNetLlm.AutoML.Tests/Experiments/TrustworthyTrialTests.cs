using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using MLNetLlm.AutoML.Sweepable;

namespace MLNetLlm.AutoML.Tests.Experiments;

/// <summary>
/// Trials you can trust: the same parameter and seed give the same metric wherever the trial runs; the time budget
/// ends trials that cannot finish (even trainers that ignore cancellation) and records them as they were; the model
/// returned is the model whose score the leaderboard shows (or a refit, labelled, with its own score).
/// </summary>
public sealed class TrustworthyTrialTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("automl-trust-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    static SweepablePipeline Trees(MLContext ml, string trainer)
    {
        var auto = ml.Llm().Auto();
        return new SweepablePipeline().Append(ml.Transforms.Text.FeaturizeText("Features", "Text"), "featurize")
            .Append(trainer == "lightgbm" ? auto.LightGbmBinary() : auto.FastTreeBinary());
    }

    /// <summary>A tree parameter whose model depends on the random numbers: half the features per tree.</summary>
    static Parameter TreeParameter(SweepablePipeline pipeline, string trainer, double featureFraction)
    {
        var stage = pipeline.SearchSpace.Default["lightgbm|fasttree".Contains(trainer) ? trainer : throw new ArgumentException(trainer)];
        var options = stage.Children.ToDictionary(c => c.Key, c => c.Value);
        options["FeatureFraction"] = Parameter.FromDouble(featureFraction);
        options[trainer == "lightgbm" ? "NumberOfIterations" : "NumberOfTrees"] = Parameter.FromInt(30);
        options["MinimumExampleCountPerLeaf"] = Parameter.FromInt(2);
        return Parameter.FromObject([KeyValuePair.Create("featurize", Parameter.FromObject([])), KeyValuePair.Create(trainer, Parameter.FromObject(options))]);
    }

    /// <summary>Runs <paramref name="parameters"/> as trials 1, 2, … of a fresh study; returns their metrics by parameter.</summary>
    static async Task<double[]> RunTrials(string trainer, int seed, params double[] featureFractions)
    {
        var ml = new MLContext(seed);
        var pipeline = Trees(ml, trainer);
        using var storage = new InMemoryTrialStorage();
        var study = await storage.OpenStudyAsync("s", "binary:AreaUnderRocCurve", true);
        var parameters = featureFractions.Select(f => TreeParameter(pipeline, trainer, f)).ToArray();
        foreach (var p in parameters) await storage.EnqueueTrialAsync(study.Id, p);
        var result = await ml.Llm().Auto().CreateExperiment().SetPipeline(pipeline).SetDataset(TextData.Make(300, 1), TextData.Make(200, 2))
            .SetBinaryClassificationMetric(BinaryClassificationMetric.AreaUnderRocCurve).SetMaxTrials(parameters.Length).SetSeed(seed)
            .SetStorage(storage, "s").RunAsync();
        return parameters.Select(p => result.Trials.Single(t => t.TrialSettings.Parameter.Equals(p)).Metric).ToArray();
    }

    [Theory]
    [InlineData("lightgbm")]
    [InlineData("fasttree")]
    public async Task TheSameParameterAndSeedGiveTheSameMetricInAnyTrialAndConcurrentProcess(string trainer)
    {
        // two "processes" at once (default thread counts): the parameter is trial 1 in one and trial 3 in the other
        var runs = await Task.WhenAll(Task.Run(() => RunTrials(trainer, 7, 0.5)), Task.Run(() => RunTrials(trainer, 7, 0.9, 0.7, 0.5)));
        Assert.Equal(runs[0][0], runs[1][2]);
        Assert.True(double.IsFinite(runs[0][0]));
        if (trainer == "lightgbm")
        {
            // and the seed matters (the feature sampling draws from it), so the equality above is not a coincidence
            var other = await RunTrials(trainer, 8, 0.5);
            Assert.NotEqual(runs[0][0], other[0]);
        }
    }

    sealed class Empty;

    [Fact]
    public async Task TheBudgetEndsATrainerThatIgnoresCancellationAndTheLeaderboardSaysWhatHappened()
    {
        var ml = new MLContext(1);
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        var quick = SweepableEstimator.Create<Empty>("quick", (ctx, o) => new TestStages.RowCountEstimator(ctx, _ => 0.5f));
        // blocks until the test ends, whatever its cancellation says (native code that never checks it)
        var stubborn = SweepableEstimator.Create<Empty>("stubborn", (ctx, o) => new TestStages.RowCountEstimator(ctx, _ =>
        {
            started.Set();
            release.Wait();
            return 1f;
        }));
        using var storage = new InMemoryTrialStorage();
        const double budget = 4;
        var clock = Stopwatch.StartNew();
        var result = await ml.Llm().Auto().CreateExperiment().SetPipeline(new SweepablePipeline().Append(quick, stubborn))
            .SetDataset(TextData.Make(40, 1), TextData.Make(20, 2))
            .SetMetric(ExperimentMetric.Custom("quality", true, (ctx, scored) => scored.GetColumn<float>("Quality").Average()))
            .SetGridSearchTuner().SetMaxTrials(2).SetTrainingTimeInSeconds(budget).SetStorage(storage, "budget").RunAsync();
        double took = clock.Elapsed.TotalSeconds;
        try
        {
            Assert.True(started.IsSet);
            // the budget, the one-second grace for the trainer to stop, and bookkeeping: not the trainer's own time
            Assert.True(took < budget + 4, $"the run took {took:F1} s for a budget of {budget} s");
            Assert.Equal($"time budget of {budget} s", result.StopReason);
            var abandoned = result.Trials.Single(t => t.Pipeline == "stubborn");
            Assert.Equal(TrialStatus.Cancelled, abandoned.Status);
            Assert.InRange(abandoned.Duration.TotalSeconds, 0.1, budget + 1);
            Assert.Contains("the time budget ended; its training did not stop within a second and was abandoned", abandoned.Error);
            Assert.Contains("1 completed, 0 pruned, 0 failed, 1 cancelled", result.FormatLeaderboard());
            Assert.Equal("quick", result.BestTrial.Pipeline);
            // the record in the storage is the same (a resumed study runs it again)
            var stored = (await storage.GetTrialsAsync((await storage.OpenStudyAsync("budget", "quality", true)).Id)).Single(t => t.Pipeline == "stubborn");
            Assert.Equal((TrialStatus.Cancelled, abandoned.Duration), (stored.Status, stored.Duration));
        }
        finally { release.Set(); }
    }

    /// <summary>Rows that take a while to read (a large file, a slow featurizer); counts the rows read.</summary>
    sealed class SlowRows(IDataView inner, Action<int>? onRead = null) : IDataView
    {
        public int Read;
        public void Count() => onRead?.Invoke(Interlocked.Increment(ref Read));
        public bool CanShuffle => false;
        public DataViewSchema Schema => inner.Schema;
        public long? GetRowCount() => inner.GetRowCount();
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            new Cursor(inner.GetRowCursor(columnsNeeded), this);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [GetRowCursor(columnsNeeded)];

        sealed class Cursor(DataViewRowCursor c, SlowRows owner) : DataViewRowCursor
        {
            public override DataViewSchema Schema => c.Schema;
            public override long Position => c.Position;
            public override long Batch => c.Batch;
            public override bool IsColumnActive(DataViewSchema.Column column) => c.IsColumnActive(column);
            public override ValueGetter<T> GetGetter<T>(DataViewSchema.Column column) => c.GetGetter<T>(column);
            public override ValueGetter<DataViewRowId> GetIdGetter() => c.GetIdGetter();
            public override bool MoveNext()
            {
                Thread.Sleep(1);
                owner.Count();
                return c.MoveNext();
            }
            protected override void Dispose(bool disposing)
            {
                if (disposing) c.Dispose();
                base.Dispose(disposing);
            }
        }
    }

    [Fact]
    public void LightGbmStopsWhileLoadingRowsIntoItsDatasetWhenTheTrialIsCancelled()
    {
        // LightGBM checks ML.NET's cancel flag only between boosting rounds; the trial's rows are read through cursors
        // that stop with the trial, so it stops while it copies rows into its native dataset too
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        using var cts = new CancellationTokenSource();
        bool loading = false; // cancelled once LightGBM has read 200 rows into its dataset
        var pipeline = new SweepablePipeline()
            .Append(ml.Transforms.Text.FeaturizeText("Features", "Text"), "featurize")
            .Append(SweepableEstimator.CreateTrainingRowStep<Empty>("slow", (ctx, o, data) => _slow = new SlowRows(MLNetLlm.DataViews.InMemoryDataView.Materialize(data),
                read => { if (loading && read == 200) cts.Cancel(); })))
            .Append(auto.LightGbmBinary(numberOfThreads: 1));
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("Loading data for LightGBM", StringComparison.Ordinal)) loading = true;
        };
        const int rows = 3000;
        var trial = new TrialContext(new TrialSettings { TrialId = 1 }, (_, _) => { }, (_, _) => { }, cts.Token);
        var e = Record.Exception(() => pipeline.Fit(ml, pipeline.SearchSpace.Default, TextData.Make(rows, 1), trial));
        Assert.True(cts.IsCancellationRequested, "the loading phase was reached");
        Assert.IsAssignableFrom<OperationCanceledException>(e);
        // without the stopping cursors LightGBM reads every row (and more: a sample for its bins, then all of them)
        Assert.InRange(_slow!.Read, 200, 201);
    }

    SlowRows? _slow;

    static AutoMLExperiment ScoredExperiment(MLContext ml, ITrialStorage storage, bool refit) => ml.Llm().Auto().CreateExperiment()
        .SetPipeline(new SweepablePipeline().Append(ml.Llm().Auto().FeaturizeText())
            .Append(ml.Llm().Auto().SdcaLogisticRegression(), ml.Llm().Auto().LightGbmBinary()))
        .SetDataset(TextData.Make(200, 1), TextData.Make(120, 2)).SetBinaryClassificationMetric(BinaryClassificationMetric.F1Score)
        .SetRandomSearchTuner(seed: 4).SetMaxTrials(5).SetSeed(3).SetRefitOnValidationData(refit).SetStorage(storage, "scored");

    [Fact]
    public async Task TheReturnedModelScoresExactlyTheBestTrialsMetric()
    {
        var ml = new MLContext(3);
        var validation = TextData.Make(120, 2);
        var metric = ExperimentMetric.Binary(BinaryClassificationMetric.F1Score);
        string db = Path.Combine(_dir, "scored.db");
        using (var storage = new SqliteTrialStorage(db))
        {
            var result = await ScoredExperiment(ml, storage, refit: false).RunAsync();
            Assert.False(result.ModelIsRefit);
            Assert.Equal(result.BestTrial.Metric, metric.Evaluate(ml, result.BestTrial.Model!.Transform(validation)));
            Assert.Equal(result.BestTrial.Metric, result.ModelMetric);
            Assert.Contains($"Model: trial {result.BestTrial.TrialSettings.TrialId}'s own model", result.FormatLeaderboard());
        }
        using (var storage = new SqliteTrialStorage(db))
        {
            // a resumed, finished study: the best trial ran in the earlier process, so its parameters are refitted
            // with its seed on the same rows, which gives its model again
            var resumed = await ScoredExperiment(ml, storage, refit: false).RunAsync();
            Assert.True(resumed.ModelIsRefit);
            Assert.False(resumed.ModelTrainedOnValidation);
            Assert.Equal(resumed.BestTrial.Metric, metric.Evaluate(ml, resumed.BestTrial.Model!.Transform(validation)));
            Assert.Equal(resumed.BestTrial.Metric, resumed.ModelMetric);
        }
    }

    [Fact]
    public async Task ARefitOnTheValidationRowsIsLabelledAndScoredOnItsOwn()
    {
        var ml = new MLContext(3);
        using var storage = new InMemoryTrialStorage();
        var result = await ScoredExperiment(ml, storage, refit: true).RunAsync();
        Assert.True(result.ModelIsRefit);
        Assert.True(result.ModelTrainedOnValidation);
        var metric = ExperimentMetric.Binary(BinaryClassificationMetric.F1Score);
        Assert.Equal(result.ModelMetric, metric.Evaluate(ml, result.BestTrial.Model!.Transform(TextData.Make(120, 2))));
        Assert.Contains("refitted on training + validation rows with its seed", result.DescribeModel());
        Assert.Contains("which it was trained on (in-sample)", result.DescribeModel());
    }
}
