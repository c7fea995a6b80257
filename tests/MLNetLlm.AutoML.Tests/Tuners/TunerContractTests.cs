using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

/// <summary>The contract every tuner keeps, run over each of them.</summary>
public sealed class TunerContractTests
{
    public static TheoryData<string> Tuners => ["random", "grid", "gp", "smac", "smac-switch", "smac-forest", "cfo"];

    static SearchSpace Space() => new()
    {
        ["x"] = new UniformDoubleOption(-2, 3),
        ["n"] = new UniformIntOption(1, 64, logBase: true),
        ["kind"] = new ChoiceOption("a", "b", "c"),
    };

    static ITuner Make(string name, SearchSpace space, int seed) => name switch
    {
        "random" => new RandomSearchTuner(space, seed),
        "grid" => new GridSearchTuner(space, step: 4, shuffleSeed: seed),
        "gp" => new GaussianProcessTuner(space, seed),
        "smac" => new SmacTuner(space, seed),
        // both of SMAC's surrogates within the 14–16 trials of a contract test: the Gaussian process until 8 results, then the forest
        "smac-switch" => new SmacTuner(space, seed, gaussianProcessUntil: 8),
        "smac-forest" => new SmacTuner(space, seed, localTrend: false, gaussianProcessUntil: 8),
        _ => new CostFrugalTuner(space, seed),
    };

    static double Objective(Parameter p) =>
        Math.Pow(p["x"].AsDouble() - 1, 2) + Math.Abs(Math.Log(p["n"].AsInt64()) - 2) + (p["kind"].AsString() == "b" ? 0 : 1);

    static List<Parameter> Drive(ITuner tuner, int trials, Func<int, bool>? fails = null)
    {
        var proposed = new List<Parameter>();
        for (int i = 1; i <= trials; i++)
        {
            var s = new TrialSettings { TrialId = i };
            s.Parameter = tuner.Propose(s);
            proposed.Add(s.Parameter);
            bool failed = fails?.Invoke(i) ?? false;
            double loss = Objective(s.Parameter);
            tuner.Update(new TrialResult
            {
                TrialSettings = s, Status = failed ? TrialStatus.Failed : TrialStatus.Completed,
                Metric = failed ? double.NaN : loss, Loss = failed ? double.NaN : loss, Error = failed ? "boom" : null,
            });
        }
        return proposed;
    }

    [Trait("Speed", "Slow")]
    [Theory, MemberData(nameof(Tuners))]
    public void TheSameSeedGivesTheSameProposals(string name)
    {
        var a = Drive(Make(name, Space(), 7), 14);
        var b = Drive(Make(name, Space(), 7), 14);
        Assert.Equal(a.Select(p => p.ToJson()), b.Select(p => p.ToJson()));
    }

    [Trait("Speed", "Slow")]
    [Theory, MemberData(nameof(Tuners))]
    public void ProposalsStayInBounds(string name)
    {
        foreach (var p in Drive(Make(name, Space(), 1), 16))
        {
            Assert.InRange(p["x"].AsDouble(), -2, 3);
            Assert.InRange(p["n"].AsInt64(), 1, 64);
            Assert.Contains(p["kind"].AsString(), new[] { "a", "b", "c" });
        }
    }

    [Trait("Speed", "Slow")]
    [Theory, MemberData(nameof(Tuners))]
    public void FailedTrialsAreAcceptedAndTheSearchGoesOn(string name)
    {
        var proposed = Drive(Make(name, Space(), 3), 14, fails: i => i % 3 == 0);
        Assert.Equal(14, proposed.Count);
    }

    [Theory, MemberData(nameof(Tuners))]
    public void ResultsOfTrialsItNeverProposedAreAccepted(string name)
    {
        var space = Space();
        var tuner = Make(name, space, 2);
        var rng = new Random(5);
        for (int i = 0; i < 8; i++)
        {
            var p = space.SampleFromFeatureSpace([rng.NextDouble(), rng.NextDouble(), rng.NextDouble()]);
            tuner.Update(new TrialResult { TrialSettings = new TrialSettings { TrialId = 100 + i, Parameter = p }, Metric = Objective(p), Loss = Objective(p) });
        }
        var s = new TrialSettings { TrialId = 1 };
        Assert.NotNull(tuner.Propose(s));
    }

    [Trait("Speed", "Slow")]
    [Theory, MemberData(nameof(Tuners))]
    public void ParallelProposalsDoNotRepeatForModelBasedAndGridTuners(string name)
    {
        var tuner = Make(name, Space(), 4);
        Drive(tuner, 10);
        var pending = Enumerable.Range(0, 4).Select(i => tuner.Propose(new TrialSettings { TrialId = 50 + i })).ToList();
        if (name is "gp" or "smac" or "smac-switch" or "grid") Assert.Equal(pending.Count, pending.Distinct().Count());
    }

    [Fact]
    public void GridNeverReproposesAPointAndSaysWhenItIsDone()
    {
        var space = new SearchSpace { ["n"] = new UniformIntOption(1, 3), ["k"] = new ChoiceOption("a", "b") };
        var grid = new GridSearchTuner(space, step: 10);
        var seen = new HashSet<Parameter>();
        for (int i = 1; i <= 6; i++) Assert.True(seen.Add(grid.Propose(new TrialSettings { TrialId = i })));
        Assert.Throws<TunerExhaustedException>(() => grid.Propose(new TrialSettings { TrialId = 7 }));
    }

    [Fact]
    public void GridSkipsPointsEvaluatedElsewhere()
    {
        var space = new SearchSpace { ["k"] = new ChoiceOption("a", "b", "c") };
        var grid = new GridSearchTuner(space);
        var done = space.SampleFromFeatureSpace([0.1]);
        grid.Update(new TrialResult { TrialSettings = new TrialSettings { TrialId = 99, Parameter = done }, Metric = 1, Loss = 1 });
        var next = new[] { 1, 2 }.Select(i => grid.Propose(new TrialSettings { TrialId = i })).ToArray();
        Assert.DoesNotContain(done, next);
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void BayesianTunersImproveOnRandomSearchOnTheContractObjective()
    {
        double Best(ITuner t) => Drive(t, 30).Min(Objective);
        double random = Enumerable.Range(0, 3).Select(s => Best(new RandomSearchTuner(Space(), s))).Average();
        double gp = Enumerable.Range(0, 3).Select(s => Best(new GaussianProcessTuner(Space(), s))).Average();
        double smac = Enumerable.Range(0, 3).Select(s => Best(new SmacTuner(Space(), s))).Average();
        Assert.True(gp < random, $"GP {gp} vs random {random}");
        Assert.True(smac < random, $"SMAC {smac} vs random {random}");
    }

    [Theory]
    [InlineData("gp")]
    [InlineData("smac")]
    public void StartingPointsAreProposedFirstAndThenTheDesignAndModelTakeOver(string name)
    {
        var space = Space();
        var cheap = space.SampleFromFeatureSpace([0.3, 0.05, 0.9]);
        ITuner tuner = name == "gp" ? new GaussianProcessTuner(space, 1, startingPoints: [cheap]) : new SmacTuner(space, 1, startingPoints: [cheap]);
        var proposed = Drive(tuner, 12);
        Assert.Equal(cheap, proposed[0]);
        Assert.Equal(proposed.Count, proposed.Distinct().Count());
        int design = name == "gp" ? Math.Max(5, space.FeatureSpaceDim + 1) : SmacTuner.DefaultDesignSize(space.FeatureSpaceDim);
        Assert.Equal(1 + design, ((ModelBasedTuner)tuner).InitialPoints);
        var other = new SearchSpace { ["y"] = new UniformDoubleOption(0, 1) };
        Assert.ThrowsAny<ArgumentException>(() => new SmacTuner(space, 1, startingPoints: [other.Default]));
    }

    [Fact]
    public void SmacsDesignHasOnePointMoreThanCoordinatesBetweenFiveAndTwelve()
    {
        Assert.Equal([5, 5, 5, 6, 7, 11, 12, 12], new[] { 0, 1, 4, 5, 6, 10, 11, 40 }.Select(SmacTuner.DefaultDesignSize));
        Assert.Throws<ArgumentOutOfRangeException>(() => SmacTuner.DefaultDesignSize(-1));
        // six coordinates: the first seven proposals are the Latin hypercube, one point in each seventh of every axis
        var space = new SearchSpace();
        for (int i = 0; i < 6; i++) space[$"x{i}"] = new UniformDoubleOption(0, 1);
        var tuner = new SmacTuner(space, 3);
        Assert.Equal(7, tuner.InitialPoints);
        var design = Enumerable.Range(1, 7).Select(i => tuner.Propose(new TrialSettings { TrialId = i })).ToArray();
        for (int i = 0; i < 6; i++)
            Assert.Equal(Enumerable.Range(0, 7), design.Select(p => (int)(p[$"x{i}"].AsDouble() * 7)).Order());
        Assert.Equal(4, new SmacTuner(space, 3, initialPoints: 4).InitialPoints);
    }

    [Fact]
    public void EmptySpacesAndBadSettingsAreRejected()
    {
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new RandomSearchTuner(new SearchSpace())).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GridSearchTuner(Space(), step: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmacTuner(Space(), trees: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmacTuner(Space(), gaussianProcessUntil: -1));
    }
}
