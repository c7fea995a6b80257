using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Sweepable;

namespace MLNetLlm.AutoML.Tests.Experiments;

/// <summary>
/// <see cref="AutoMLExperiment.SetCrossValidatedSelection"/>, with stand-in "trainers" whose score depends on how many
/// rows they were fitted on: the holdout trains on exactly 100 rows, each cross-validation fold on about 120, so a
/// stage can look good on the holdout and bad under cross-validation (an overfit-to-the-holdout winner).
/// </summary>
public sealed class CrossValidatedSelectionTests
{
    const int HoldoutTrainRows = 100;

    sealed class Empty;

    static readonly ExperimentMetric Quality = ExperimentMetric.Custom("quality", maximize: true,
        (ctx, scored) => scored.GetColumn<float>("Quality").Average());

    static SweepableEstimator Stage(string name, Func<long, float> quality) =>
        SweepableEstimator.Create<Empty>(name, (ctx, o) => new TestStages.RowCountEstimator(ctx, quality));

    /// <summary>The pipeline parameter that picks <paramref name="alternative"/> of the one stage <paramref name="stage"/>.</summary>
    static Parameter Choose(string stage, string alternative) => Parameter.FromObject([KeyValuePair.Create(stage, Parameter.FromObject(
        [KeyValuePair.Create(OneOfOption.ChoiceKey, Parameter.FromString(alternative)), KeyValuePair.Create(alternative, Parameter.FromObject([]))]))]);

    [Fact]
    public async Task TheCrossValidatedBestWinsIncludedTrialsAreEvaluatedFirstAndFailuresAreRecorded()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        // holdout: cheat 0.9 > brittle 0.8 > honest 0.7; cross-validated: honest 0.7 > cheat 0.5; brittle fails
        var cheat = Stage("cheat", n => n == HoldoutTrainRows ? 0.9f : 0.5f);
        var brittle = Stage("brittle", n => n == HoldoutTrainRows ? 0.8f : throw new InvalidOperationException("brittle on other data"));
        var honest = Stage("honest", _ => 0.7f);
        var pipeline = new SweepablePipeline().Append(cheat, brittle, honest);
        var honestPoint = Choose("cheat|brittle|honest", "honest");

        var result = await auto.CreateExperiment().SetPipeline(pipeline)
            .SetDataset(TextData.Make(HoldoutTrainRows, 1), TextData.Make(50, 2)).SetMetric(Quality)
            .SetGridSearchTuner().SetMaxTrials(3).SetParallelism(2)
            .SetCrossValidatedSelection(topTrials: 2, folds: 5, alwaysInclude: [honestPoint])
            .RunAsync();

        Assert.Equal(new[] { "cheat", "brittle", "honest" }, result.Leaderboard.Select(t => t.Pipeline!).ToArray());
        AssertClose.Equal(0.9, result.Leaderboard[0].Metric, abs: 1e-5);
        // the honest trial is not among the top 2 but is always included, and first
        Assert.Equal(new[] { "honest", "cheat", "brittle" }, result.CrossValidatedTrials.Select(t => t.Pipeline!).ToArray());
        var (h, c, b) = (result.CrossValidatedTrials[0], result.CrossValidatedTrials[1], result.CrossValidatedTrials[2]);
        Assert.Equal(TrialStatus.Completed, h.Status);
        Assert.Equal(5, h.FoldMetrics.Count);
        AssertClose.Equal(0.7, h.Metric, abs: 1e-5);
        AssertClose.Equal(0.5, c.Metric, abs: 1e-5);
        Assert.Equal(TrialStatus.Failed, b.Status);
        Assert.Matches(@"^Cross-validation fold \d of 5: InvalidOperationException: brittle on other data", b.Error);
        // the pick: the cross-validated best, refitted, with its cross-validated metric
        Assert.Equal("honest", result.BestTrial.Pipeline);
        AssertClose.Equal(0.7, result.BestTrial.Metric, abs: 1e-5);
        Assert.Equal(5, result.BestTrial.FoldMetrics.Count);
        Assert.NotNull(result.BestTrial.Model);
        Assert.Contains("Cross-validated selection (the pick: trial", result.FormatLeaderboard());
    }

    [Fact]
    public async Task TheReevaluationStopsAtTheBudgetAndAnUnfinishedCandidateIsNotPicked()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        // "slow" waits for its cancellation whenever it trains on other data than the holdout's
        var slow = SweepableEstimator.Create<Empty>("slow", (ctx, o, trial) => new TestStages.RowCountEstimator(ctx, n =>
        {
            if (n == HoldoutTrainRows || trial is null) return 0.9f;
            trial.CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(60));
            return 0.9f;
        }));
        var quick = Stage("quick", _ => 0.6f);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await auto.CreateExperiment().SetPipeline(new SweepablePipeline().Append(slow, quick))
            .SetDataset(TextData.Make(HoldoutTrainRows, 1), TextData.Make(50, 2)).SetMetric(Quality)
            .SetGridSearchTuner().SetMaxTrials(2).SetTrainingTimeInSeconds(6)
            // "quick" is included so it is evaluated first; "slow" then holds the only worker until the budget ends
            .SetCrossValidatedSelection(topTrials: 2, folds: 3, budgetFraction: 0.5, alwaysInclude: [Choose("slow|quick", "quick")])
            .RunAsync();
        clock.Stop();

        Assert.Equal("slow", result.Leaderboard[0].Pipeline);
        var unfinished = result.CrossValidatedTrials.Single(t => t.Pipeline == "slow");
        Assert.Equal(TrialStatus.Failed, unfinished.Status);
        Assert.StartsWith("Cross-validation did not finish before the time budget ended (0 of 3 folds)", unfinished.Error);
        Assert.Equal("quick", result.BestTrial.Pipeline);
        Assert.Equal(3, result.BestTrial.FoldMetrics.Count);
        // the waiting fold was abandoned at the budget, not awaited for its 60 s
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(50), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task CrossValidatedExperimentsAndBadSettingsAreRejected()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => auto.CreateExperiment()
            .SetPipeline(new SweepablePipeline().Append(Stage("a", _ => 1), Stage("b", _ => 1)))
            .SetDataset(TextData.Make(40, 1), folds: 3).SetMetric(Quality).SetMaxTrials(2).SetCrossValidatedSelection().RunAsync());
        Assert.Contains("already cross-validates every trial", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => auto.CreateExperiment().SetCrossValidatedSelection(folds: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => auto.CreateExperiment().SetCrossValidatedSelection(topTrials: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => auto.CreateExperiment().SetCrossValidatedSelection(budgetFraction: 1));
    }

    [Fact]
    public async Task TrialModelsAreDisposedOnlyTheRefittedOneIsKept()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        var fitted = new List<TestStages.Marker>();
        var stage = SweepableEstimator.Create<Empty>("a", (ctx, o) => new TestStages.RowCountEstimator(ctx, n => n, m => { lock (fitted) fitted.Add((TestStages.Marker)m); }));
        var result = await auto.CreateExperiment().SetPipeline(new SweepablePipeline().Append(stage, Stage("b", _ => 1)))
            .SetDataset(TextData.Make(60, 1), TextData.Make(30, 2)).SetMetric(Quality)
            .SetGridSearchTuner().SetMaxTrials(2).SetCrossValidatedSelection(topTrials: 2, folds: 3).RunAsync();
        Assert.Equal("a", result.BestTrial.Pipeline); // quality = rows seen
        // one trial + three folds + the refit fitted "a"; all but the refitted model are disposed
        Assert.Equal(5, fitted.Count);
        Assert.Equal(4, fitted.Count(m => m.IsDisposed));
        Assert.Equal(90f, result.BestTrial.Model!.Transform(TextData.Make(5, 3)).GetColumn<float>("Quality").First());
    }
}
