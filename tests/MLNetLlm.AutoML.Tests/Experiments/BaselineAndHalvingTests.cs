using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using MLNetLlm.AutoML.Sweepable;

namespace MLNetLlm.AutoML.Tests.Experiments;

/// <summary>
/// <see cref="AutoMLExperiment.SetBaseline"/> (never worse than the baseline: the pick must beat it by more than the
/// noise) and <see cref="AutoMLExperiment.SetSuccessiveHalving"/> (low-fidelity rungs on row subsamples, promotions,
/// fidelities in the storage, resume), with stand-in stages whose per-row correctness is known.
/// </summary>
public sealed class BaselineAndHalvingTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("mlnetllm-payoff-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    sealed class Empty;

    sealed class TextInput
    {
        public ReadOnlyMemory<char> Text { get; set; }
    }

    sealed class Correct
    {
        public float Quality { get; set; }
    }

    /// <summary>A stable bucket 0–99 of a row's text (the same on every run and platform).</summary>
    static int Bucket(ReadOnlyMemory<char> text)
    {
        uint h = 2166136261;
        foreach (char ch in text.Span) h = (h ^ ch) * 16777619;
        return (int)(h % 100);
    }

    /// <summary>A "model" right (Quality 1) on the rows whose text bucket is in [from, to), wrong elsewhere.</summary>
    static SweepableEstimator RightOn(string name, int from, int to) => SweepableEstimator.Create<Empty>(name, (ctx, o) =>
        ctx.Transforms.CustomMapping<TextInput, Correct>((i, c) => c.Quality = Bucket(i.Text) is var b && b >= from && b < to ? 1 : 0, contractName: null));

    /// <summary>Share of rows a model got right: a per-row metric, so its noise can be measured.</summary>
    static readonly ExperimentMetric Accuracy = ExperimentMetric.Custom("quality", maximize: true,
        (ctx, scored) => scored.GetColumn<float>("Quality").Average());

    static Parameter Choose(string stage, string alternative) => Parameter.FromObject([KeyValuePair.Create(stage, Parameter.FromObject(
        [KeyValuePair.Create(OneOfOption.ChoiceKey, Parameter.FromString(alternative)), KeyValuePair.Create(alternative, Parameter.FromObject([]))]))]);

    static async Task<ExperimentResult> Compare(int challengerFrom, int challengerTo)
    {
        var ml = new MLContext(1);
        // grid order tries the challenger first; the baseline still runs as trial 1
        var pipeline = new SweepablePipeline().Append(RightOn("challenger", challengerFrom, challengerTo), RightOn("baseline", 0, 70));
        return await ml.Llm().Auto().CreateExperiment().SetPipeline(pipeline)
            .SetDataset(TextData.Make(200, 1), TextData.Make(400, 2)).SetMetric(Accuracy)
            .SetGridSearchTuner().SetMaxTrials(2).SetRefitOnValidationData(false)
            .SetBaseline(Choose("challenger|baseline", "baseline"))
            .RunAsync();
    }

    [Fact]
    public async Task APickThatBeatsTheBaselineByMoreThanTheNoiseIsReturned()
    {
        var result = await Compare(0, 90); // right on 90% of the rows vs the baseline's 70%
        Assert.Equal("baseline", result.Trials[0].Pipeline); // the baseline is the first trial
        Assert.Equal("challenger", result.BestTrial.Pipeline);
        var b = result.Baseline!;
        Assert.False(b.BaselineKept);
        Assert.Equal((1, 2), (b.BaselineTrial, b.ChallengerTrial));
        Assert.Equal(b.ChallengerMetric - b.BaselineMetric, b.Improvement, 9);
        Assert.InRange(b.Improvement, 0.15, 0.25);
        Assert.True(b.LowerBound > 0 && b.LowerBound < b.Improvement, $"lower bound {b.LowerBound}");
        Assert.Contains("paired bootstrap over 400 validation rows", b.Method);
        // the returned model is the challenger's
        var scored = result.BestTrial.Model!.Transform(TextData.Make(400, 2));
        Assert.Equal(b.ChallengerMetric, scored.GetColumn<float>("Quality").Average(), 6);
        Assert.Contains("beats the baseline", result.FormatLeaderboard());
    }

    [Fact]
    public async Task APickAheadOnlyByNoiseGivesWayToTheBaseline()
    {
        var result = await Compare(10, 81); // right on 71% of the rows, but on other rows than the baseline's 70%
        var b = result.Baseline!;
        Assert.Equal(2, b.ChallengerTrial);
        Assert.True(b.Improvement > 0, $"the challenger leads on validation ({b.Improvement})");
        Assert.True(b.LowerBound < 0, $"lower bound {b.LowerBound}");
        Assert.True(b.BaselineKept);
        Assert.Equal("baseline", result.BestTrial.Pipeline);
        var scored = result.BestTrial.Model!.Transform(TextData.Make(400, 2));
        Assert.Equal(b.BaselineMetric, scored.GetColumn<float>("Quality").Average(), 6);
        Assert.Contains("the baseline is returned", result.FormatLeaderboard());
    }

    [Fact]
    public async Task ABaselineTrialThatDidNotCompleteIsStillFittedAndCompared()
    {
        int fits = 0;
        // the baseline's trial fails (as when the budget cuts it); the comparison fits it again and it works
        var flaky = SweepableEstimator.Create<Empty>("baseline", (ctx, o) => Interlocked.Increment(ref fits) == 1
            ? throw new InvalidOperationException("cut")
            : ctx.Transforms.CustomMapping<TextInput, Correct>((i, c) => c.Quality = Bucket(i.Text) < 70 ? 1 : 0, contractName: null));
        var pipeline = new SweepablePipeline().Append(RightOn("challenger", 10, 81), flaky);
        var result = await new MLContext(1).Llm().Auto().CreateExperiment().SetPipeline(pipeline)
            .SetDataset(TextData.Make(200, 1), TextData.Make(400, 2)).SetMetric(Accuracy)
            .SetGridSearchTuner().SetMaxTrials(2).SetRefitOnValidationData(false)
            .SetBaseline(Choose("challenger|baseline", "baseline"))
            .RunAsync();
        Assert.Equal(TrialStatus.Failed, result.Trials[0].Status);
        var b = result.Baseline!;
        Assert.Equal((1, 2), (b.BaselineTrial, b.ChallengerTrial));
        Assert.True(b.BaselineKept); // 71% vs 70%: noise
        Assert.Equal("baseline", result.BestTrial.Pipeline);
        Assert.Equal(b.BaselineMetric, result.BestTrial.Metric, 9);
        Assert.Equal(b.BaselineMetric, result.BestTrial.Model!.Transform(TextData.Make(400, 2)).GetColumn<float>("Quality").Average(), 6);
    }

    [Fact]
    public void TheFoldTestUsesThePairedDifferences()
    {
        // the same +0.01 mean: consistent across folds beats the baseline, erratic does not
        var (mean, lower, _) = BaselineGuard.PairedFolds([0.81, 0.82, 0.83], [0.80, 0.81, 0.82], maximize: true, confidence: 0.95);
        Assert.Equal(0.01, mean, 9);
        Assert.Equal(0.01, lower, 9); // no spread in the differences
        var (mean2, lower2, _) = BaselineGuard.PairedFolds([0.85, 0.78, 0.83], [0.80, 0.81, 0.82], maximize: true, confidence: 0.95);
        Assert.Equal(0.01, mean2, 9);
        // differences 0.05, -0.03, 0.01: sd 0.04, t(0.95, 2) = 2.919986
        Assert.Equal(0.01 - 2.919986 * 0.04 / Math.Sqrt(3), lower2, 5);
        // a loss (lower is better) turns the sign
        var (mean3, _, _) = BaselineGuard.PairedFolds([0.2, 0.3], [0.3, 0.4], maximize: false, confidence: 0.95);
        Assert.Equal(0.1, mean3, 9);
    }

    sealed class Level
    {
        [Range(0.0, 1.0)] public double X { get; set; } = 0.5;
    }

    /// <summary>A stage whose quality is its X (better the larger), recording how many rows each fit saw.</summary>
    static SweepableEstimator Leveled(ConcurrentBag<(double X, long Rows)> fits) => SweepableEstimator.Create<Level>("level", (ctx, o) =>
        new TestStages.RowCountEstimator(ctx, n => { fits.Add((o.X, n)); return (float)o.X; }));

    static AutoMLExperiment Halving(ITrialStorage storage, ConcurrentBag<(double, long)> fits, int maxTrials) =>
        new MLContext(1).Llm().Auto().CreateExperiment()
            .SetPipeline(new SweepablePipeline().Append(Leveled(fits)))
            .SetDataset(TextData.Make(270, 1), TextData.Make(60, 2))
            .SetMetric(ExperimentMetric.Custom("quality", true, (ctx, s) => s.GetColumn<float>("Quality").Average()))
            .SetRandomSearchTuner(seed: 5).SetMaxTrials(maxTrials).SetRefitOnValidationData(false)
            .SetSuccessiveHalving(minimumFidelity: 1.0 / 9, reductionFactor: 3, minimumRows: 20)
            .SetStorage(storage, "halving");

    [Fact]
    public async Task SuccessiveHalvingTrainsOnSubsamplesPromotesTheTopThirdAndRecordsFidelitiesThatSurviveResume()
    {
        string db = Path.Combine(_dir, "halving.db");
        var fits = new ConcurrentBag<(double X, long Rows)>();
        ExperimentResult first;
        using (var storage = new SqliteTrialStorage(db))
            first = await Halving(storage, fits, 14).RunAsync();
        Assert.Equal([1.0 / 9, 1.0 / 3, 1.0], first.Fidelities.ToArray());
        // every fit trained on a stratified share of the 270 rows: 30, 90 or all of them
        Assert.All(fits, f => Assert.Contains(f.Rows, new long[] { 29, 30, 31, 89, 90, 91, 270 }));
        var byRung = first.Trials.GroupBy(t => t.Fidelity).ToDictionary(g => g.Key, g => g.ToList());
        Assert.True(byRung[1.0 / 9].Count >= 7, $"{byRung[1.0 / 9].Count} trials on the lowest rung");
        Assert.True(byRung.ContainsKey(1.0 / 3) && byRung.ContainsKey(1.0), "promoted to every rung");
        // each promotion repeats a configuration of the rung below that was, when promoted, in the top third of the
        // trials finished on that rung (one trial at a time: those with lower numbers)
        foreach (var (lower, upper) in new[] { (1.0 / 9, 1.0 / 3), (1.0 / 3, 1.0) })
            foreach (var t in byRung[upper])
            {
                var before = byRung[lower].Where(b => b.IsSuccess && b.TrialSettings.TrialId < t.TrialSettings.TrialId).OrderBy(b => b.Loss).ToList();
                int rank = before.FindIndex(b => b.TrialSettings.Parameter.Equals(t.TrialSettings.Parameter));
                Assert.InRange(rank, 0, before.Count / 3 - 1);
            }
        // the pick is a full-fidelity trial, the best of them
        Assert.Equal(1.0, first.BestTrial.Fidelity);
        Assert.Equal(byRung[1.0].Max(t => t.Metric), first.BestTrial.Metric, 9);

        // the storage kept each trial's fidelity; a resumed study goes on promoting from the stored rungs
        using (var storage = new SqliteTrialStorage(db))
        {
            var stored = await storage.GetTrialsAsync((await storage.OpenStudyAsync("halving", Accuracy.Name, true)).Id);
            Assert.Equal(first.Trials.Select(t => (t.TrialSettings.TrialId, t.Fidelity)), stored.Select(t => (t.Number, t.Fidelity)));
            var resumed = await Halving(storage, fits, 30).RunAsync();
            Assert.Equal(30, resumed.Trials.Count);
            Assert.Equal(first.Trials.Select(t => (t.TrialSettings.TrialId, t.Fidelity, t.Metric)),
                resumed.Trials.Take(14).Select(t => (t.TrialSettings.TrialId, t.Fidelity, t.Metric)));
            Assert.True(resumed.Trials.Count(t => t.Fidelity == 1.0) > byRung[1.0].Count, "more promotions to full fidelity after the resume");
            Assert.All(resumed.Trials.Where(t => t.Fidelity > 1.0 / 9), t => Assert.Contains(resumed.Trials,
                o => o.Fidelity < t.Fidelity && o.TrialSettings.Parameter.Equals(t.TrialSettings.Parameter) && o.TrialSettings.TrialId < t.TrialSettings.TrialId));
        }
    }

    [Fact]
    public void RungsLeaveOutSubsamplesBelowTheMinimumRows()
    {
        var h = new SuccessiveHalving(1.0 / 9, 3, 500, "Label");
        Assert.Equal([1.0 / 9, 1.0 / 3, 1.0], h.Rungs(20_000));
        Assert.Equal([1.0 / 3, 1.0], h.Rungs(2_000)); // 222 rows is too few for the 1/9 rung
        Assert.Equal([1.0], h.Rungs(1_000));
    }

    [Fact]
    public void TheCostModelPredictsFromEachPipelinesMedianRatePerRow()
    {
        var cost = new TrialCostModel();
        Assert.Null(cost.Predict("sdca", 1000));
        cost.Observe("sdca", 1000, 2);
        cost.Observe("sdca", 3000, 9);
        cost.Observe("sdca", 100, 50); // an outlier does not move the median much
        cost.Observe("lightgbm", 1000, 30);
        Assert.Equal(0.003 * 9000, cost.Predict("sdca", 9000)!.Value, 9);
        Assert.Equal(270, cost.Predict("lightgbm", 9000)!.Value, 9);
    }

    [Fact]
    public async Task ADatabaseWithoutTheFidelityColumnGetsItAndReadsFullFidelity()
    {
        string db = Path.Combine(_dir, "old.db");
        await using (var c = new SqliteConnection($"Data Source={db}"))
        {
            await c.OpenAsync();
            foreach (var sql in new[]
            {
                "CREATE TABLE automl_studies (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, metric TEXT NOT NULL, maximize INTEGER NOT NULL, created_ms INTEGER NOT NULL)",
                "CREATE TABLE automl_trials (id INTEGER PRIMARY KEY AUTOINCREMENT, study_id INTEGER NOT NULL REFERENCES automl_studies(id), number INTEGER NOT NULL, " +
                    "status TEXT NOT NULL, parameters TEXT NOT NULL, pipeline TEXT, metric REAL, loss REAL, duration_ms REAL, peak_memory INTEGER, error TEXT, worker TEXT, " +
                    "attempts INTEGER NOT NULL DEFAULT 0, lease_expires_ms INTEGER, created_ms INTEGER NOT NULL, finished_ms INTEGER, fold_metrics TEXT, UNIQUE (study_id, number))",
                "INSERT INTO automl_studies (name, metric, maximize, created_ms) VALUES ('old', 'quality', 1, 0)",
                "INSERT INTO automl_trials (study_id, number, status, parameters, metric, loss, created_ms) VALUES (1, 1, 'Completed', '{\"level\":{\"X\":0.5}}', 0.5, -0.5, 0)",
            })
            {
                await using var cmd = c.CreateCommand();
                cmd.CommandText = sql;
                await cmd.ExecuteNonQueryAsync();
            }
        }
        using var storage = new SqliteTrialStorage(db);
        var study = await storage.OpenStudyAsync("old", "quality", true);
        Assert.Equal(1.0, (await storage.GetTrialsAsync(study.Id)).Single().Fidelity);
        var t = await storage.CreateTrialAsync(study.Id, null, _ => (Parameter.FromObject([]), null), "w", TimeSpan.FromMinutes(1), 0.25);
        var q = await storage.EnqueueTrialAsync(study.Id, Parameter.FromObject([]), null, 1.0 / 3);
        var all = await storage.GetTrialsAsync(study.Id);
        Assert.Equal([1.0, 0.25, 1.0 / 3], all.Select(x => x.Fidelity).ToArray());
        Assert.Equal((0.25, 1.0 / 3), (t!.Fidelity, q.Fidelity));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => storage.EnqueueTrialAsync(study.Id, Parameter.FromObject([]), null, 0));
    }
}
