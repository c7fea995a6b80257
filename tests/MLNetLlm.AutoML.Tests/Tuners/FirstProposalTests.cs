using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Tuners;

namespace MLNetLlm.AutoML.Tests.Tuners;

/// <summary>Where each tuner starts: never at the box's centre unless the space declares it.</summary>
public sealed class FirstProposalTests
{
    public static TheoryData<string> Tuners => ["random", "grid", "gp", "smac", "smac-forest", "cfo"];

    static SearchSpace Box() => new()
    {
        ["a"] = new UniformDoubleOption(-5, 5),
        ["b"] = new UniformDoubleOption(1e-3, 10, logBase: true),
        ["c"] = new UniformIntOption(0, 100),
    };

    static ITuner Make(string name, SearchSpace space, int seed) => name switch
    {
        "random" => new RandomSearchTuner(space, seed),
        "grid" => new GridSearchTuner(space, step: 5, shuffleSeed: seed),
        "gp" => new GaussianProcessTuner(space, seed),
        "smac" => new SmacTuner(space, seed),
        "smac-forest" => new SmacTuner(space, seed, localTrend: false),
        _ => new CostFrugalTuner(space, seed),
    };

    static double[] First(ITuner tuner, SearchSpace space) =>
        space.MappingToFeatureSpace(tuner.Propose(new TrialSettings { TrialId = 1 }));

    [Theory, MemberData(nameof(Tuners))]
    public void NoTunersFirstProposalIsTheCentreOfABoxWithoutDeclaredDefaults(string name)
    {
        var firsts = Enumerable.Range(0, 8).Select(seed => First(Make(name, Box(), seed), Box())).ToArray();
        // at most one of eight seeds may land on the centre (the grid's middle point is one of its 125 points)
        int central = firsts.Count(x => x.All(v => Math.Abs(v - 0.5) < 0.02));
        Assert.True(central <= 1, $"{name}: {central} of 8 first proposals at the centre");
        // and where it starts depends on the seed
        Assert.True(firsts.Select(x => string.Join(",", x.Select(v => v.ToString("F6")))).Distinct().Count() >= 6, $"{name} starts at the same point for most seeds");
    }

    [Fact]
    public void CostFrugalSearchStartsAtDeclaredDefaultsAndRandomisesTheRest()
    {
        SearchSpace Space() => new()
        {
            ["lr"] = new UniformDoubleOption(1e-4, 1, logBase: true, defaultValue: 1e-3),
            ["depth"] = new UniformIntOption(1, 20),
            ["loss"] = new ChoiceOption(["log", "hinge", "squared"], defaultChoice: "hinge"),
        };
        var firsts = Enumerable.Range(0, 6).Select(seed => new CostFrugalTuner(Space(), seed).Propose(new TrialSettings { TrialId = 1 })).ToArray();
        Assert.All(firsts, p => Assert.Equal(1e-3, p["lr"].AsDouble(), 12));
        Assert.All(firsts, p => Assert.Equal("hinge", p["loss"].AsString()));
        Assert.True(firsts.Select(p => p["depth"].AsInt64()).Distinct().Count() >= 3, "the undeclared depth should start at seeded random values");
        Assert.Equal(firsts[2].ToJson(), new CostFrugalTuner(Space(), 2).StartingPoint.ToJson());
    }

    [Fact]
    public void CostFrugalSearchStartsAtTheCentreOnlyWhenTheSpaceSaysSo()
    {
        var space = new SearchSpace { ["x"] = new UniformDoubleOption(-5, 5, defaultValue: 0), ["y"] = new UniformDoubleOption(-5, 5, defaultValue: 0) };
        for (int seed = 0; seed < 3; seed++)
        {
            var p = new CostFrugalTuner(space, seed).Propose(new TrialSettings { TrialId = 1 });
            Assert.Equal(0, p["x"].AsDouble(), 12);
            Assert.Equal(0, p["y"].AsDouble(), 12);
        }
        // an explicit starting point wins
        var start = Parameter.FromObject([KeyValuePair.Create("x", Parameter.FromDouble(4)), KeyValuePair.Create("y", Parameter.FromDouble(-1))]);
        var q = new CostFrugalTuner(space, 0, startingPoint: start).Propose(new TrialSettings { TrialId = 1 });
        Assert.Equal(4, q["x"].AsDouble(), 12);
        Assert.Equal(-1, q["y"].AsDouble(), 12);
    }

    [Fact]
    public void OptionsClassSpacesDeclareTheirDefaults()
    {
        var plain = new UniformDoubleOption(0, 1);
        Assert.False(plain.HasDeclaredDefault);
        Assert.True(new UniformDoubleOption(0, 1, defaultValue: 0.5).HasDeclaredDefault);
        Assert.False(new ChoiceOption("a", "b").HasDeclaredDefault);
        Assert.True(new UniformIntOption(0, 4, defaultValue: 2).HasDeclaredDefault);
        var mask = CostFrugalTuner.DeclaredCoordinates(new SearchSpace
        {
            ["p"] = plain,
            ["one"] = new OneOfOption([KeyValuePair.Create<string, SearchSpaceOption>("u", new SearchSpace { ["d"] = new UniformIntOption(0, 4, defaultValue: 1) })]),
        }).ToArray();
        Assert.Equal(new[] { false, false, true }, mask);
    }
}
