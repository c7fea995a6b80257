using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Experiments;

/// <summary>
/// A new trial is proposed inside the trial storage's write transaction, which every other worker of the study waits
/// on (SQLite gives up after its 30 s busy timeout: a 53-trial SpamAssassin search once ended in "database is locked"
/// when, near the end of its budget, every proposal was unaffordable and the tuner redrew 25 times in a row). The
/// redrawing must stop after <see cref="AutoMLExperiment.SetCostAwareness"/>'s maximum skip time and run the last
/// proposal. The study is primed with a finished trial that took 100,000 s, so the learned cost model says no trial
/// of this pipeline can finish in the budget and every proposal is a candidate for skipping.
/// </summary>
public sealed class ProposalHoldTimeTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("mlnetllm-hold-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    sealed class Level
    {
        [Range(0.0, 1.0)] public double X { get; set; } = 0.5;
    }

    /// <summary>Random search that takes <paramref name="delay"/> per proposal and records when each was asked for.</summary>
    sealed class SlowTuner(SearchSpace space, TimeSpan delay) : ITuner
    {
        readonly RandomSearchTuner _inner = new(space, 3);
        public List<(int Trial, TimeSpan At)> Calls { get; } = [];
        readonly Stopwatch _clock = Stopwatch.StartNew();

        public Parameter Propose(TrialSettings settings)
        {
            lock (Calls) Calls.Add((settings.TrialId, _clock.Elapsed));
            Thread.Sleep(delay);
            return _inner.Propose(settings);
        }

        public void Update(TrialResult result) => _inner.Update(result);
        public void AddPending(TrialSettings settings) => _inner.AddPending(settings);
    }

    static SweepablePipeline Pipeline() => new SweepablePipeline().Append(SweepableEstimator.Create<Level>("level", (ctx, o) =>
        new TestStages.RowCountEstimator(ctx, _ => (float)o.X)));

    /// <summary>A study whose one finished trial of the pipeline took 100,000 s: every later proposal looks unaffordable.</summary>
    async Task<SqliteTrialStorage> PrimedStorage(string name)
    {
        var storage = new SqliteTrialStorage(Path.Combine(_dir, name + ".db"));
        var study = await storage.OpenStudyAsync("hold", "quality", maximize: true);
        var parameter = Parameter.FromObject([KeyValuePair.Create("level", Parameter.FromObject([KeyValuePair.Create("X", Parameter.FromDouble(0.01))]))]);
        string pipeline = Pipeline().Describe(parameter);
        await storage.EnqueueTrialAsync(study.Id, parameter, pipeline);
        var trial = await storage.ClaimTrialAsync(study.Id, "earlier-run", TimeSpan.FromMinutes(1), maxAttempts: 2);
        Assert.NotNull(trial);
        Assert.True(await storage.FinishTrialAsync(trial!.Id, "earlier-run", new TrialResult
        {
            TrialSettings = new TrialSettings { TrialId = trial.Number, Parameter = parameter },
            Metric = 0.01, Loss = -0.01, Duration = TimeSpan.FromSeconds(100_000), Pipeline = pipeline,
        }));
        return storage;
    }

    async Task<(SlowTuner Tuner, ExperimentResult Result)> Run(string name, TimeSpan delay, TimeSpan maximumSkipTime)
    {
        var storage = await PrimedStorage(name);
        SlowTuner? tuner = null;
        var result = await new MLContext(1).Llm().Auto().CreateExperiment()
            .SetPipeline(Pipeline())
            .SetDataset(TextData.Make(120, 1), TextData.Make(40, 2))
            .SetMetric(ExperimentMetric.Custom("quality", true, (ctx, s) => s.GetColumn<float>("Quality").Average()))
            .SetTuner(space => tuner = new SlowTuner(space, delay))
            .SetMaxTrials(2).SetTrainingTimeInSeconds(600).SetRefitOnValidationData(false)
            .SetCostAwareness(true, maximumSkipTime)
            .SetStorage(storage, "hold")
            .RunAsync();
        return (tuner!, result);
    }

    [Fact]
    public async Task RedrawingStopsAfterTheMaximumSkipTimeAndRunsTheLastProposal()
    {
        var delay = TimeSpan.FromMilliseconds(150);
        var limit = TimeSpan.FromMilliseconds(400);
        var (tuner, result) = await Run("bounded", delay, limit);

        // the new trial (number 2) ran although the cost model called it unaffordable
        var calls = tuner.Calls.Where(c => c.Trial == 2).ToList();
        Assert.Contains(result.Trials, t => t.TrialSettings.TrialId == 2 && t.Status == TrialStatus.Completed);
        // each proposal takes at least 150 ms, so after 400 ms at most four have been drawn (a slower machine draws fewer);
        // without the limit the tuner is asked 25 times (24 skips) while the other workers wait
        Assert.InRange(calls.Count, 1, 4);
        Assert.InRange(result.SkippedProposals, 0, 3);
        Assert.Equal(calls.Count - 1, result.SkippedProposals);
    }

    [Fact]
    public async Task WithoutATimeLimitUnaffordableProposalsAreSkippedUpToTwentyFourTimes()
    {
        // the control: the same primed study skips 24 proposals in a row before it runs the 25th
        var (tuner, result) = await Run("unbounded", TimeSpan.Zero, TimeSpan.FromHours(1));
        Assert.Equal(25, tuner.Calls.Count(c => c.Trial == 2));
        Assert.Equal(24, result.SkippedProposals);
        Assert.Contains(result.Trials, t => t.TrialSettings.TrialId == 2 && t.Status == TrialStatus.Completed);
    }

    [Fact]
    public async Task AZeroSkipTimeNeverSkips()
    {
        var (tuner, result) = await Run("zero", TimeSpan.Zero, TimeSpan.Zero);
        Assert.Single(tuner.Calls, c => c.Trial == 2);
        Assert.Equal(0, result.SkippedProposals);
    }
}
