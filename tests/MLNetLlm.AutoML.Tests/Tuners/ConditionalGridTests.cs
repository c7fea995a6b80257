using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.AutoML.Tests.Experiments;
using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

/// <summary>The grid over conditional (one-of) spaces: each branch's own points, once; exhaustion ends the search.</summary>
public sealed class ConditionalGridTests
{
    /// <summary>The space of <c>mlnet-llm train</c>'s AutoML search for a binary task (see the CLI's AutoPipelineFactory).</summary>
    internal static SweepablePipeline CliBinaryPipeline(MLContext ml)
    {
        var auto = ml.Llm().Auto();
        return new SweepablePipeline()
            .Append(auto.FeaturizeText("Features", "Text"))
            .AppendCacheCheckpoint()
            .Append(auto.SdcaLogisticRegression("Label", "Features"), auto.LightGbmBinary("Label", "Features", selectFeatures: true),
                auto.FastTreeBinary("Label", "Features", selectFeatures: true));
    }

    static readonly SearchSpace Conditional = new()
    {
        ["a"] = new ChoiceOption("x", "y"),
        ["t"] = new OneOfOption(
        [
            KeyValuePair.Create("p", (SearchSpaceOption)new SearchSpace { ["u"] = new UniformDoubleOption(0, 1), ["v"] = new UniformIntOption(1, 3) }),
            KeyValuePair.Create("q", (SearchSpaceOption)new SearchSpace { ["w"] = new UniformDoubleOption(0, 1) }),
            KeyValuePair.Create("r", (SearchSpaceOption)new SearchSpace()),
        ]),
    };

    [Theory]
    [InlineData(null)]
    [InlineData(3)]
    public void EachBranchContributesItsOwnPointsOnceAndTheExhaustedGridSaysSo(int? shuffle)
    {
        // step 4: branch p = 4 values of u × 3 of v (an int range with fewer values than the step), q = 4, r = 1;
        // times the 2 values of a. The product over every branch's coordinates would be 2 × 3 × 4 × 4 × 4 = 384.
        var grid = new GridSearchTuner(Conditional, step: 4, shuffleSeed: shuffle);
        Assert.Equal(2 * (4 * 3 + 4 + 1), grid.GridSize);
        var seen = new List<Parameter>();
        for (int i = 1; i <= 34; i++) seen.Add(grid.Propose(new TrialSettings { TrialId = i }));
        Assert.Equal(34, seen.Distinct().Count());
        var byBranch = seen.GroupBy(p => p["t"]["choice"].AsString()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal((24, 8, 2), (byBranch["p"], byBranch["q"], byBranch["r"]));
        // every parameter of branch p names only its own options: the others are not part of the point
        Assert.All(seen.Where(p => p["t"]["choice"].AsString() == "p"), p => Assert.Equal(["u", "v"], p["t"]["p"].Children.Keys));
        var e = Assert.Throws<TunerExhaustedException>(() => grid.Propose(new TrialSettings { TrialId = 35 }));
        Assert.Contains("fully proposed", e.Message);
    }

    [Fact]
    public async Task TheGridOverTheCliSpaceProposesNewPointsAtOnceAfterTheFirst()
    {
        // the reported hang: after trial 1 the old grid stepped through every point of the unused branches (which
        // all map to parameters already proposed) without end
        var space = CliBinaryPipeline(new MLContext(0)).SearchSpace;
        var grid = new GridSearchTuner(space);
        var proposals = await Task.Run(() =>
        {
            var list = new List<Parameter>();
            for (int i = 1; i <= 60; i++)
            {
                var s = new TrialSettings { TrialId = i };
                s.Parameter = grid.Propose(s);
                list.Add(s.Parameter);
                grid.Update(new TrialResult { TrialSettings = s, Metric = 0.5, Loss = 0.5 });
            }
            return list;
        }).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(60, proposals.Distinct().Count());
        // the grid is the sum of the trainers' grids (times the featurizer's), far smaller than the product
        var featurizer = new GridSearchTuner(space["featurize_text"] as SearchSpace ?? throw new InvalidOperationException()).GridSize;
        var trainers = (OneOfOption)space["sdca|lightgbm|fasttree"];
        double sum = trainers.BranchNames.Sum(b => new GridSearchTuner((SearchSpace)trainers[b]).GridSize);
        Assert.Equal(featurizer * sum, grid.GridSize);
    }

    [Fact]
    public async Task AGridSearchOverTheCliSpaceCompletesEightTrialsWithinItsBudget()
    {
        var ml = new MLContext(42);
        const double budget = 600;
        var result = await ml.Llm().Auto().CreateExperiment().SetPipeline(CliBinaryPipeline(ml))
            .SetDataset(TextData.Make(200, 1), TextData.Make(100, 2)).SetBinaryClassificationMetric(BinaryClassificationMetric.F1Score)
            .SetGridSearchTuner().SetMaxTrials(8).SetTrainingTimeInSeconds(budget).SetSeed(42).RunAsync().WaitAsync(TimeSpan.FromSeconds(budget + 60));
        Assert.Equal("trial limit of 8", result.StopReason);
        Assert.Equal(8, result.Trials.Count);
        Assert.All(result.Trials, t => Assert.Equal(TrialStatus.Completed, t.Status));
        Assert.Equal(8, result.Trials.Select(t => t.TrialSettings.Parameter).Distinct().Count());
    }

    [Fact]
    public void AProposalStopsWhenItsTokenFires()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        foreach (ITuner tuner in new ITuner[] { new GridSearchTuner(Conditional), new RandomSearchTuner(Conditional), new SmacTuner(Conditional) })
            Assert.ThrowsAny<OperationCanceledException>(() => tuner.Propose(new TrialSettings { TrialId = 1, CancellationToken = cts.Token }));
    }

    [Fact]
    public void ARandomSearchOfAFiniteSpaceEndsWhenEveryPointIsTaken()
    {
        var space = new SearchSpace { ["a"] = new ChoiceOption("x", "y"), ["b"] = new ChoiceOption("u", "v") };
        foreach (ITuner tuner in new ITuner[] { new RandomSearchTuner(space, 1), new SmacTuner(space, 1), new GaussianProcessTuner(space, 1), new CostFrugalTuner(space, 1) })
        {
            var seen = new HashSet<Parameter>();
            for (int i = 1; i <= 4; i++)
            {
                var s = new TrialSettings { TrialId = i };
                s.Parameter = tuner.Propose(s);
                Assert.True(seen.Add(s.Parameter), $"{tuner.GetType().Name} repeated {s.Parameter}");
                if (i % 2 == 0) tuner.Update(new TrialResult { TrialSettings = s, Metric = i, Loss = i }); // two stay pending
            }
            var e = Assert.Throws<TunerExhaustedException>(() => tuner.Propose(new TrialSettings { TrialId = 5 }));
            Assert.Contains("exhausted", e.Message);
        }
    }

    [Fact]
    public async Task AnExperimentOverAFiniteSpaceEndsWithTheTunersMessage()
    {
        var ml = new MLContext(1);
        var stages = new SweepablePipeline().Append(
            SweepableEstimator.Create<TwoChoices>("only", (ctx, o) => new TestStages.RowCountEstimator(ctx, _ => o.A == "x" ? 1f : 0.5f)));
        var result = await ml.Llm().Auto().CreateExperiment().SetPipeline(stages).SetDataset(TextData.Make(20, 1), TextData.Make(10, 2))
            .SetMetric(ExperimentMetric.Custom("quality", true, (ctx, scored) => scored.GetColumn<float>("Quality").Average()))
            .SetRandomSearchTuner(seed: 3).SetMaxTrials(10).RunAsync();
        Assert.Equal(4, result.Trials.Count);
        Assert.Equal(4, result.Trials.Select(t => t.TrialSettings.Parameter).Distinct().Count());
        Assert.StartsWith("the tuner has nothing left to propose (RandomSearchTuner drew 1000 candidates", result.StopReason);
    }

    sealed class TwoChoices
    {
        [Choice("x", "y")] public string A { get; set; } = "x";
        [Choice("u", "v")] public string B { get; set; } = "u";
    }
}
