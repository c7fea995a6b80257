using Microsoft.ML;
using MLNetLlm.Fairness;

namespace MLNetLlm.Core.Tests.Fairness;

/// <summary>
/// Every per-group metric and every disparity against values computed by hand from Fairlearn's definitions
/// (MetricFrame with selection_rate, accuracy_score, precision/recall/f1_score, true/false positive/negative rates;
/// demographic_parity_difference/ratio and equalized_odds_difference/ratio, method="between_groups").
/// </summary>
public sealed class FairnessCatalogTests
{
    const double Exact = 1e-12;

    // Group A: TP, FN, FP, TN, TP → TP 2, FP 1, TN 1, FN 1 (5 rows).
    // Group B: TN, TN, TP, FP, TN → TP 1, FP 1, TN 3, FN 0 (5 rows).
    static readonly (string Group, string Truth, string Predicted)[] Table =
    [
        ("A", "spam", "spam"), ("A", "spam", "ham"), ("A", "ham", "spam"), ("A", "ham", "ham"), ("A", "spam", "spam"),
        ("B", "ham", "ham"), ("B", "ham", "ham"), ("B", "spam", "spam"), ("B", "ham", "spam"), ("B", "ham", "ham"),
    ];

    static FairnessReport Audit((string Group, string Truth, string Predicted)[] rows, FairnessOptions? options) =>
        new MLContext(seed: 0).Llm().Fairness.Evaluate(rows.Select(r => r.Truth).ToList(), rows.Select(r => r.Predicted).ToList(),
            rows.Select(r => r.Group).ToList(), options);

    static void Metrics(GroupMetrics m, int count, int tp, int fp, int tn, int fn, double selection, double accuracy, double precision,
        double recall, double fpr, double fnr, double f1)
    {
        Assert.Equal((count, tp, fp, tn, fn), (m.Count, m.TruePositives, m.FalsePositives, m.TrueNegatives, m.FalseNegatives));
        AssertClose.Equal(selection, m.SelectionRate, abs: Exact, what: $"{m.Group} selection rate");
        AssertClose.Equal(accuracy, m.Accuracy, abs: Exact, what: $"{m.Group} accuracy");
        AssertClose.Equal(precision, m.Precision, abs: Exact, what: $"{m.Group} precision");
        AssertClose.Equal(recall, m.Recall, abs: Exact, what: $"{m.Group} recall");
        AssertClose.Equal(fpr, m.FalsePositiveRate, abs: Exact, what: $"{m.Group} FPR");
        AssertClose.Equal(fnr, m.FalseNegativeRate, abs: Exact, what: $"{m.Group} FNR");
        AssertClose.Equal(f1, m.F1, abs: Exact, what: $"{m.Group} F1");
    }

    [Fact]
    public void EveryGroupMetricMatchesTheHandComputedFractions()
    {
        var result = Assert.Single(Audit(Table, new FairnessOptions { PositiveLabel = "spam" }).Results);
        Assert.Equal("spam", result.PositiveLabel);
        Assert.Equal(["A", "B"], result.Groups.Select(g => g.Group));
        // A: selection (2+1)/5, accuracy (2+1)/5, precision 2/3, recall 2/3, FPR 1/2, FNR 1/3, F1 2·2/(2·2+1+1).
        Metrics(result.Groups[0], 5, 2, 1, 1, 1, 3.0 / 5, 3.0 / 5, 2.0 / 3, 2.0 / 3, 1.0 / 2, 1.0 / 3, 4.0 / 6);
        // B: selection 2/5, accuracy 4/5, precision 1/2, recall 1/1, FPR 1/4, FNR 0/1, F1 2/(2+1+0).
        Metrics(result.Groups[1], 5, 1, 1, 3, 0, 2.0 / 5, 4.0 / 5, 1.0 / 2, 1.0, 1.0 / 4, 0.0, 2.0 / 3);
        // All 10 rows: TP 3, FP 2, TN 4, FN 1.
        Metrics(result.Overall, 10, 3, 2, 4, 1, 5.0 / 10, 7.0 / 10, 3.0 / 5, 3.0 / 4, 2.0 / 6, 1.0 / 4, 6.0 / 9);
        Assert.Equal(FairnessCatalog.OverallGroup, result.Overall.Group);
    }

    [Fact]
    public void EveryDisparityMatchesTheHandComputedFractions()
    {
        var report = Audit(Table, new FairnessOptions { PositiveLabel = "spam" });
        var d = report.Results[0].Disparities;
        // Selection rates 3/5 and 2/5; TPR 2/3 and 1; FPR 1/2 and 1/4; accuracy 3/5 and 4/5.
        AssertClose.Equal(3.0 / 5 - 2.0 / 5, d.DemographicParityDifference, abs: Exact);
        AssertClose.Equal(2.0 / 3, d.DemographicParityRatio, abs: Exact);
        AssertClose.Equal(1.0 - 2.0 / 3, d.TruePositiveRateDifference, abs: Exact);
        AssertClose.Equal(1.0 / 2 - 1.0 / 4, d.FalsePositiveRateDifference, abs: Exact);
        AssertClose.Equal(1.0 / 3, d.EqualizedOddsDifference, abs: Exact); // max(1/3, 1/4): the TPR gap
        AssertClose.Equal(1.0 / 2, d.EqualizedOddsRatio, abs: Exact); // min(2/3, 1/2): the FPR ratio
        AssertClose.Equal(4.0 / 5 - 3.0 / 5, d.AccuracyDifference, abs: Exact);
        AssertClose.Equal(3.0 / 4, d.AccuracyRatio, abs: Exact);
        AssertClose.Equal(1.0 / 5, report.WorstDemographicParityDifference, abs: Exact);
        AssertClose.Equal(1.0 / 3, report.WorstEqualizedOddsDifference, abs: Exact);
    }

    [Fact]
    public void TheOtherPositiveLabelSwapsTheRoles()
    {
        // With "ham" positive, A has TP 1 (ham,ham), FP 1 (spam→ham), TN 2, FN 1 (ham→spam).
        var a = Audit(Table, new FairnessOptions { PositiveLabel = "ham" }).Results[0].Groups[0];
        Metrics(a, 5, 1, 1, 2, 1, 2.0 / 5, 3.0 / 5, 1.0 / 2, 1.0 / 2, 1.0 / 3, 1.0 / 2, 2.0 / 4);
    }

    [Fact]
    public void ZeroDenominatorsGiveZeroAsScikitLearnAndFairlearnDo()
    {
        // Group C has only actual negatives, all predicted negative: precision 0/0, recall 0/0, FNR 0/0, F1 0/0 → 0.
        var rows = Table.Concat([("C", "ham", "ham"), ("C", "ham", "ham"), ("C", "ham", "ham")]).ToArray();
        var result = Audit(rows, new FairnessOptions { PositiveLabel = "spam" }).Results[0];
        Metrics(result.Groups[2], 3, 0, 0, 3, 0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        var d = result.Disparities;
        AssertClose.Equal(3.0 / 5, d.DemographicParityDifference, abs: Exact); // 3/5 − 0
        Assert.Equal(0.0, d.DemographicParityRatio); // 0 / (3/5)
        AssertClose.Equal(1.0, d.EqualizedOddsDifference, abs: Exact); // TPR 2/3, 1, 0 → 1
        AssertClose.Equal(2.0 / 5, d.AccuracyDifference, abs: Exact); // 3/5, 4/5, 1
    }

    [Fact]
    public void ARatioOverGroupsThatAllScoreZeroIsNaN()
    {
        (string, string, string)[] rows = [("A", "spam", "ham"), ("A", "ham", "ham"), ("B", "spam", "ham")];
        var d = Audit(rows, new FairnessOptions { PositiveLabel = "spam" }).Results[0].Disparities;
        Assert.Equal(0.0, d.DemographicParityDifference);
        Assert.True(double.IsNaN(d.DemographicParityRatio)); // 0/0, as pandas gives in Fairlearn
        Assert.True(double.IsNaN(d.EqualizedOddsRatio)); // TPR and FPR are 0 everywhere
    }

    static readonly (string Group, string Truth, string Predicted)[] ThreeClasses =
    [
        ("x", "a", "a"), ("x", "b", "a"), ("x", "c", "c"), ("x", "b", "b"),
        ("y", "a", "b"), ("y", "b", "b"), ("y", "c", "a"),
    ];

    [Fact]
    public void OneVsRestAuditsEachClassAsTheBinaryProblemClassOrNot()
    {
        var report = Audit(ThreeClasses, null);
        Assert.Equal("multiclass-one-vs-rest", report.Kind);
        Assert.Equal(["a", "b", "c"], report.Results.Select(r => r.PositiveLabel));
        var b = report.Results[1];
        // "b" vs rest. x: (a,a) TN, (b,a) FN, (c,c) TN, (b,b) TP → TP 1 FP 0 TN 2 FN 1.
        Metrics(b.Groups[0], 4, 1, 0, 2, 1, 1.0 / 4, 3.0 / 4, 1.0, 1.0 / 2, 0.0, 1.0 / 2, 2.0 / 3);
        // y: (a,b) FP, (b,b) TP, (c,a) TN → TP 1 FP 1 TN 1 FN 0.
        Metrics(b.Groups[1], 3, 1, 1, 1, 0, 2.0 / 3, 2.0 / 3, 1.0 / 2, 1.0, 1.0 / 2, 0.0, 2.0 / 3);
        AssertClose.Equal(2.0 / 3 - 1.0 / 4, b.Disparities.DemographicParityDifference, abs: Exact);
        AssertClose.Equal(1.0 / 2, b.Disparities.EqualizedOddsDifference, abs: Exact); // max(TPR 1/2, FPR 1/2)
    }

    [Fact]
    public void AccuracyOnlyCountsExactMatchesOfTheClasses()
    {
        var report = Audit(ThreeClasses, new FairnessOptions { Multiclass = MulticlassFairness.AccuracyOnly });
        var r = Assert.Single(report.Results);
        Assert.Null(r.PositiveLabel);
        AssertClose.Equal(3.0 / 4, r.Groups[0].Accuracy, abs: Exact); // x: 3 of 4 right
        AssertClose.Equal(1.0 / 3, r.Groups[1].Accuracy, abs: Exact); // y: 1 of 3
        AssertClose.Equal(4.0 / 7, r.Overall.Accuracy, abs: Exact);
        AssertClose.Equal(3.0 / 4 - 1.0 / 3, r.Disparities.AccuracyDifference, abs: Exact);
        AssertClose.Equal(4.0 / 9, r.Disparities.AccuracyRatio, abs: Exact);
        Assert.True(double.IsNaN(r.Disparities.DemographicParityDifference));
        Assert.True(double.IsNaN(r.Groups[0].SelectionRate));
    }

    [Fact]
    public void ATwoValuedTextLabelNeedsThePositiveLabel()
    {
        var ex = Assert.Throws<ArgumentException>(() => Audit(Table, null));
        Assert.Contains("PositiveLabel", ex.Message);
        Assert.Contains("'ham', 'spam'", ex.Message);
    }

    sealed class Row
    {
        public bool Label { get; set; }
        public bool PredictedLabel { get; set; }
        public string Group { get; set; } = "";
    }

    [Fact]
    public void ADataViewWithBooleanColumnsAuditsTrueAsPositive()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(Table.Select(r => new Row { Label = r.Truth == "spam", PredictedLabel = r.Predicted == "spam", Group = r.Group }));
        var fromView = ml.Llm().Fairness.Evaluate(data, "Label", "Group");
        var fromLists = Audit(Table, new FairnessOptions { PositiveLabel = "spam" });
        Assert.Equal("True", fromView.Results[0].PositiveLabel);
        Assert.Equal("Group", fromView.SensitiveFeature);
        Assert.Equal(fromLists.Results[0].Groups, fromView.Results[0].Groups);
        Assert.Equal(fromLists.Results[0].Disparities, fromView.Results[0].Disparities);
    }

    sealed class TextRow
    {
        public string Label { get; set; } = "";
        public string Predicted { get; set; } = "";
        public string Group { get; set; } = "";
    }

    sealed class KeyRow
    {
        public string Predicted { get; set; } = "";
    }

    [Fact]
    public void KeyColumnsAreReadThroughTheirKeyValues()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(ThreeClasses.Select(r => new TextRow { Label = r.Truth, Predicted = r.Predicted, Group = r.Group }));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.Conversion.MapValueToKey("Predicted", keyData: ml.Data.LoadFromEnumerable(
            new[] { "a", "b", "c" }.Select(v => new KeyRow { Predicted = v })))).Fit(data).Transform(data);
        var report = ml.Llm().Fairness.Evaluate(keyed, "Label", "Group", "Predicted");
        Assert.Equal(Audit(ThreeClasses, null).Results[1].Groups, report.Results[1].Groups);
    }

    [Fact]
    public void AMissingColumnIsNamedWithWhatTheDataHas()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(Table.Select(r => new Row { Group = r.Group }));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().Fairness.Evaluate(data, "Label", "Source"));
        Assert.Contains("sensitive feature column 'Source' not found", ex.Message);
        Assert.Contains("'Group'", ex.Message);
    }
}
