using CsCheck;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tests.SearchSpaces;

public sealed class SearchSpaceTests
{
    public enum Loss { Log, Hinge }

    public sealed class Inner
    {
        [Range(1, 4)] public int Depth { get; set; } = 2;
    }

    public sealed class Options
    {
        [Range(1e-4, 1.0, logBase: true)] public float LearningRate { get; set; } = 0.01f;
        [Range(1, 100)] public int Trees { get; set; } = 10;
        [Choice("Log", "Hinge")] public Loss LossKind { get; set; } = Loss.Hinge;
        [BooleanChoice] public bool Shuffle { get; set; } = true;
        [NestedSearchSpace] public Inner Tree { get; set; } = new();
        public string NotSearched { get; set; } = "kept";
    }

    [Fact]
    public void AttributesBuildASpaceWithTheClassDefaults()
    {
        var space = new SearchSpace<Options>();
        Assert.Equal(["LearningRate", "LossKind", "Shuffle", "Tree", "Trees"], space.Keys.ToArray());
        Assert.Equal(5, space.FeatureSpaceDim);
        var defaults = space.Default.AsType<Options>();
        AssertClose.Equal(0.01f, defaults.LearningRate, abs: 1e-5);
        Assert.Equal(10, defaults.Trees);
        Assert.Equal(Loss.Hinge, defaults.LossKind);
        Assert.True(defaults.Shuffle);
        Assert.Equal(2, defaults.Tree.Depth);
        Assert.Equal("kept", defaults.NotSearched);
        Assert.Equal([0, 2, 2, 0, 0], space.DimensionLevels.ToArray());
    }

    [Fact]
    public void HypercubeCornersMapToTheBounds()
    {
        var space = new SearchSpace<Options>();
        var low = space.SampleOptions([0, 0, 0, 0, 0]);
        var high = space.SampleOptions([1, 1, 1, 1, 1]);
        AssertClose.Equal(1e-4f, low.LearningRate, abs: 1e-6);
        Assert.Equal(1, low.Trees);
        Assert.Equal(Loss.Log, low.LossKind);
        Assert.False(low.Shuffle);
        Assert.Equal(1, low.Tree.Depth);
        AssertClose.Equal(1.0f, high.LearningRate, abs: 1e-6);
        Assert.Equal(100, high.Trees);
        Assert.Equal(Loss.Hinge, high.LossKind);
        Assert.Equal(4, high.Tree.Depth);
    }

    [Fact]
    public void LogScaleSpendsHalfTheCubeBelowTheGeometricMiddle()
    {
        var option = new UniformDoubleOption(1e-4, 1, logBase: true);
        AssertClose.Equal(1e-2, option.SampleFromFeatureSpace([0.5]).AsDouble(), abs: 1e-9);
        AssertClose.Equal(0.25, option.MappingToFeatureSpace(Parameter.FromDouble(1e-3))[0], abs: 1e-9);
    }

    [Fact]
    public void EveryWholeNumberOfARangeOwnsAnEqualCell()
    {
        var option = new UniformIntOption(0, 4);
        var counts = new int[5];
        for (int i = 0; i < 1000; i++) counts[option.SampleFromFeatureSpace([(i + 0.5) / 1000]).AsInt64()]++;
        Assert.All(counts, c => Assert.Equal(200, c));
    }

    [Fact]
    public void SamplesAreInBoundsAndMapBackToTheSameValue()
    {
        var space = new SearchSpace<Options>();
        Gen.Double[0, 1].Array[5].Sample(x =>
        {
            var p = space.SampleFromFeatureSpace(x);
            var o = p.AsType<Options>();
            Assert.InRange(o.LearningRate, 1e-4f * 0.999f, 1.0f);
            Assert.InRange(o.Trees, 1, 100);
            Assert.InRange(o.Tree.Depth, 1, 4);
            var back = space.SampleFromFeatureSpace(space.MappingToFeatureSpace(p));
            Assert.Equal(p["Trees"], back["Trees"]);
            Assert.Equal(p["LossKind"], back["LossKind"]);
            Assert.Equal(p["Tree"], back["Tree"]);
            AssertClose.Equal(p["LearningRate"].AsDouble(), back["LearningRate"].AsDouble(), abs: 1e-9);
        }, iter: 300);
    }

    [Fact]
    public void OneOfPicksABranchAndSamplesOnlyIt()
    {
        var space = new SearchSpace
        {
            ["model"] = new OneOfOption(new Dictionary<string, SearchSpaceOption>
            {
                ["linear"] = new SearchSpace { ["l2"] = new UniformDoubleOption(0, 1) },
                ["tree"] = new SearchSpace { ["leaves"] = new UniformIntOption(2, 8), ["lr"] = new UniformDoubleOption(0.1, 0.2) },
            }),
        };
        Assert.Equal(4, space.FeatureSpaceDim);
        var linear = space.SampleFromFeatureSpace([0.1, 0.3, 0.9, 0.9])["model"];
        Assert.Equal("linear", linear["choice"].AsString());
        AssertClose.Equal(0.3, linear["linear"]["l2"].AsDouble(), abs: 1e-9);
        Assert.False(linear.TryGetValue("tree", out _));
        var tree = space.SampleFromFeatureSpace([0.9, 0.3, 1.0, 0.0])["model"];
        Assert.Equal("tree", tree["choice"].AsString());
        Assert.Equal(8, tree["tree"]["leaves"].AsInt64());
        Assert.Equal(tree, space.SampleFromFeatureSpace(space.MappingToFeatureSpace(Parameter.FromObject([KeyValuePair.Create("model", tree)])))["model"]);
    }

    [Fact]
    public void ParameterJsonRoundTripsKindsAndIsCanonical()
    {
        var p = Parameter.FromObject(new Dictionary<string, Parameter>
        {
            ["b"] = Parameter.FromDouble(2), ["a"] = Parameter.FromInt(3), ["c"] = Parameter.FromString("x\"y"), ["d"] = Parameter.FromBool(true),
        });
        Assert.Equal("{\"a\":3,\"b\":2.0,\"c\":\"x\\\"y\",\"d\":true}", p.ToJson());
        var back = Parameter.FromJson(p.ToJson());
        Assert.Equal(p, back);
        Assert.Equal(ParameterKind.Number, back["b"].Kind);
        Assert.Equal(ParameterKind.Integer, back["a"].Kind);
    }

    public sealed class BadRange { [Range(5, 1)] public int X { get; set; } }
    public sealed class BadLog { [Range(0.0, 1.0, logBase: true)] public double X { get; set; } }
    public sealed class BadType { [Range(0.0, 1.0)] public string X { get; set; } = ""; }
    public sealed class BadChoice { [Choice("a", 3)] public string X { get; set; } = ""; }

    [Fact]
    public void BadDeclarationsGiveErrorsNamingTheMember()
    {
        Assert.Contains("BadRange.X", Assert.Throws<ArgumentException>(() => new SearchSpace<BadRange>()).Message);
        Assert.Contains("min 5 > max 1", Assert.Throws<ArgumentException>(() => new SearchSpace<BadRange>()).Message);
        Assert.Contains("log scale, so min must be > 0", Assert.Throws<ArgumentException>(() => new SearchSpace<BadLog>()).Message);
        Assert.Contains("needs a float or double member, not String", Assert.Throws<ArgumentException>(() => new SearchSpace<BadType>()).Message);
        Assert.Contains("choice 3 does not fit a String", Assert.Throws<ArgumentException>(() => new SearchSpace<BadChoice>()).Message);
        Assert.Contains("min 3 > max 2", Assert.Throws<ArgumentException>(() => new UniformDoubleOption(3, 2)).Message);
        Assert.Contains("min must be > 0", Assert.Throws<ArgumentException>(() => new UniformIntOption(0, 9, logBase: true)).Message);
        Assert.Contains("at least one value", Assert.Throws<ArgumentException>(() => new ChoiceOption()).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new ChoiceOption("a", "a")).Message);
        Assert.Contains("search space is empty", Assert.Throws<ArgumentException>(() => new SearchSpace().EnsureSearchable()).Message);
    }

    [Fact]
    public void BindingReportsAMissingMember()
    {
        var p = Parameter.FromObject([KeyValuePair.Create("Nope", Parameter.FromInt(1))]);
        Assert.Contains("no public property or field of that name", Assert.Throws<ArgumentException>(() => p.AsType<Options>()).Message);
    }
}
