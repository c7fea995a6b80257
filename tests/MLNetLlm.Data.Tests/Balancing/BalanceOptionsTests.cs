using Microsoft.ML.Data;
using MLNetLlm.Data.Augmentation;
using MLNetLlm.Data.Balancing;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.Balancing;

public sealed class BalanceOptionsTests
{
    static InMemoryDataView View(string[] labels) => InMemoryDataView.FromColumns(
        ("Label", TextDataViewType.Instance, labels.Select(l => l.AsMemory()).ToArray()),
        ("Text", TextDataViewType.Instance, labels.Select((l, i) => $"{l} text {i} about a meeting and cheap money".AsMemory()).ToArray()),
        ("Id", NumberDataViewType.Int32, Enumerable.Range(0, labels.Length).ToArray()),
        ("Vector", new VectorDataViewType(NumberDataViewType.Single, 2), labels.Select(_ => new VBuffer<float>(2, [1f, 2f])).ToArray()),
        ("Doubles", new VectorDataViewType(NumberDataViewType.Double, 2), labels.Select(_ => new VBuffer<double>(2, [1, 2])).ToArray()));

    [Fact]
    public void EachInvalidOptionIsRefusedByName()
    {
        Assert.Equal("LabelColumn", Assert.Throws<ArgumentException>(() => new LabelBalancer(new() { LabelColumn = " " })).ParamName);
        foreach (double ratio in new[] { 0, -0.5, 1.0000001, double.NaN })
            Assert.Equal("TargetRatio", Assert.Throws<ArgumentOutOfRangeException>(() => new LabelBalancer(new() { TargetRatio = ratio })).ParamName);
        Assert.Equal("Neighbors", Assert.Throws<ArgumentOutOfRangeException>(() => new LabelBalancer(new() { Neighbors = 0 })).ParamName);
        Assert.Equal("FeatureColumn", Assert.Throws<ArgumentException>(() => new LabelBalancer(new() { Method = BalanceMethod.Smote, FeatureColumn = "" })).ParamName);
        Assert.Equal("TextColumnName", Assert.Throws<ArgumentException>(() => new LabelBalancer(new() { Method = BalanceMethod.AugmentOversample, Augmentation = new() { TextColumnName = "" } })).ParamName);

        // the limits themselves, and options that only SMOTE or augmentation read, are accepted for the other methods
        _ = new LabelBalancer(new() { TargetRatio = 1, Neighbors = 1 });
        _ = new LabelBalancer(new() { TargetRatio = 1e-3 });
        _ = new LabelBalancer(new() { Method = BalanceMethod.RandomOversample, FeatureColumn = "" });
        _ = new LabelBalancer(new() { Method = BalanceMethod.Smote, Augmentation = new() { TextColumnName = "" } });
        // the step keeps its own copy of the options
        var options = new BalanceOptions { TargetRatio = 0.5 };
        var balancer = new LabelBalancer(options);
        options.TargetRatio = 5;
        Assert.Equal(0.5, balancer.Options.TargetRatio);
        Assert.NotSame(balancer.Options.Augmentation, balancer.Options.Augmentation);
    }

    [Fact]
    public void ColumnsOfTheWrongKindAreNamedInTheError()
    {
        var view = View(["a", "b", "b"]);
        var vectorLabel = Assert.Throws<ArgumentException>(() => new LabelBalancer(new() { LabelColumn = "Vector" }).Apply(view));
        Assert.Contains("label column 'Vector'", vectorLabel.Message);
        var doubles = Assert.Throws<ArgumentException>(() => new LabelBalancer(new() { Method = BalanceMethod.Smote, FeatureColumn = "Doubles" }).Apply(view));
        Assert.Contains("'Doubles'", doubles.Message);
        var noText = Assert.Throws<ArgumentOutOfRangeException>(() => new LabelBalancer(new() { Method = BalanceMethod.AugmentOversample, Augmentation = new() { TextColumnName = "Body" } }).Apply(view));
        Assert.Contains("'Body'", noText.Message);
        // SMOTE over a float vector and augmentation over the text column are fine
        Assert.Equal(4, new LabelBalancer(new() { Method = BalanceMethod.Smote, FeatureColumn = "Vector", Neighbors = 1 }).Apply(View(["a", "a", "b", "b", "b"]).SelectRows([0, 1, 2, 3])).Data.RowCount);
        Assert.Equal(4, new LabelBalancer(new() { Method = BalanceMethod.AugmentOversample }).Apply(view).Data.RowCount);
    }

    [Fact]
    public void TargetsAreRoundedFromTheExactRatioAndReportedPerClass()
    {
        // 10 × 0.3 is 3.0000000000000004 in binary floating point: the target is 3 rows, not 4
        string[] labels = [.. Enumerable.Repeat("big", 10), "small", "small"];
        var over = new LabelBalancer(new() { TargetRatio = 0.3 }).Apply(View(labels));
        Assert.Equal(13, over.Data.RowCount);
        Assert.Equal(1, over.Report.Added["oversampled:small"]);
        Assert.False(over.Report.Added.ContainsKey("oversampled:big"));
        Assert.Equal("big=10 small=2", over.Report.Details["before"]);
        Assert.Equal("big=10 small=3", over.Report.Details["after"]);
        Assert.Equal("RandomOversample", over.Report.Details["method"]);

        // 3 ÷ 0.3 is 10.000000000000002: larger classes keep 10 rows, not 9 or 11
        string[] many = [.. Enumerable.Repeat("big", 12), "small", "small", "small"];
        var under = new LabelBalancer(new() { Method = BalanceMethod.RandomUndersample, TargetRatio = 0.3 }).Apply(View(many));
        Assert.Equal(13, under.Data.RowCount);
        Assert.Equal(2, under.Report.Dropped["undersampled:big"]);
        Assert.False(under.Report.Dropped.ContainsKey("undersampled:small"));
        Assert.Equal("big=10 small=3", under.Report.Details["after"]);
        // 0.7: ⌊3 ÷ 0.7⌋ = ⌊4.29⌋ = 4
        Assert.Equal(7, new LabelBalancer(new() { Method = BalanceMethod.RandomUndersample, TargetRatio = 0.7 }).Apply(View(many)).Data.RowCount);

        var smote = new LabelBalancer(new() { Method = BalanceMethod.Smote, FeatureColumn = "Vector" }).Apply(View(["a", "a", "a", "b", "b"]));
        Assert.Equal(1, smote.Report.Added["smote:b"]);
        var augmented = new LabelBalancer(new() { Method = BalanceMethod.AugmentOversample }).Apply(View(["a", "a", "a", "b", "b"]));
        Assert.Equal(1, augmented.Report.Added["augmented:b"]);

        var one = new LabelBalancer().Apply(View(["a", "a"]));
        Assert.Equal("fewer than two classes: nothing to balance", one.Report.Details["note"]);
        Assert.Equal("a=2", one.Report.Details["before"]);
    }

    [Fact]
    public void AugmentedCopiesCycleThroughEveryRowOfAClassBeforeReusingOne()
    {
        // 2 rows of "b" grow to 7: 5 copies use each row twice before either a third time (2 + 2 + 1)
        string[] labels = [.. Enumerable.Repeat("a", 7), "b", "b"];
        var result = new LabelBalancer(new() { Method = BalanceMethod.AugmentOversample, Seed = 3 }).Apply(View(labels));
        var sources = result.Data.GetColumn<int>("Id").Skip(labels.Length).ToArray();
        Assert.Equal(5, sources.Length);
        int fromFirst = sources.Count(id => id == 7), fromSecond = sources.Count(id => id == 8);
        Assert.Equal(5, fromFirst + fromSecond);
        Assert.InRange(fromFirst, 2, 3);
    }
}
