using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MLNetLlm.Explanations;

namespace MLNetLlm.Core.Tests.Explanations;

/// <summary>
/// Feature contributions of FeaturizeText + linear models: with the bias they add up to the model's raw score, each is
/// weight × feature value of its slot, and slots are named by their n-grams.
/// </summary>
public sealed class LinearModelExplainerTests
{
    sealed class Row
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
        public float Value { get; set; }
        public string Topic { get; set; } = "";
    }

    static readonly string[] Spam = ["win free money now", "free money offer", "claim your free prize", "cheap pills free", "win a prize today", "money back offer now"];
    static readonly string[] Ham = ["meeting moved to tuesday", "lunch tomorrow at noon", "see the attached report", "notes from the meeting", "report due friday", "call me after lunch"];
    static readonly string[] Other = ["the weather is nice", "rain again today", "sunny weekend ahead", "cold wind tonight"];

    static IDataView Data(MLContext ml) => ml.Data.LoadFromEnumerable(
        Spam.Select(t => new Row { Text = t, Label = true, Value = 3, Topic = "spam" })
            .Concat(Ham.Select(t => new Row { Text = t, Label = false, Value = -2, Topic = "ham" }))
            .Concat(Other.Select(t => new Row { Text = t, Label = false, Value = 0.5f, Topic = "weather" })).ToList());

    static readonly string[] Queries = ["free money for the meeting", "lunch report", "win win win", "nothing known here"];

    static IDataView QueryRows(MLContext ml) => ml.Data.LoadFromEnumerable(Queries.Select(q => new Row { Text = q }).ToList());

    [Fact]
    public void BinaryContributionsPlusBiasAreTheScore()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.Text.FeaturizeText("Features", "Text")
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 }))
            .Fit(Data(ml));
        var explanations = LinearModelExplainer.Create(ml, model).Explain(QueryRows(ml));
        var scores = ml.Data.CreateEnumerable<Scored>(model.Transform(QueryRows(ml)), reuseRowObject: false).Select(s => s.Score).ToArray();
        Assert.Equal(Queries.Length, explanations.Count);
        var linear = model.LastTransformer.Model.SubModel;
        for (int i = 0; i < Queries.Length; i++)
        {
            var e = explanations[i];
            Assert.Equal(("feature-contribution", "score"), (e.Method, e.Target));
            Assert.Equal(linear.Bias, e.Reference);
            AssertClose.Equal(scores[i], e.Output, abs: 1e-6);
            AssertClose.Equal(scores[i], e.Reference + e.Features.Sum(f => f.Weight), abs: 1e-5, rel: 1e-5, what: $"bias + Σ contributions for '{Queries[i]}'");
        }
        Assert.Contains(explanations[0].Features, f => f.Name == "word: free");
        Assert.Contains(explanations[0].Features, f => f.Name == "chars: fre");
        Assert.Contains(explanations[0].Features, f => f.Name == "chars: e␠m"); // "free money": e, space, m
        Assert.DoesNotContain(explanations[0].Features, f => f.Name.StartsWith("slot ", StringComparison.Ordinal));

        // Each contribution is that slot's weight × the row's feature value (checked for every slot of the first row).
        var features = model.Take(1).Single().Transform(QueryRows(ml));
        var column = features.Schema["Features"];
        VBuffer<float> x = default;
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.GetSlotNames(ref names);
        var slotNames = names.DenseValues().Select(n => n.ToString()).ToArray();
        using (var cursor = features.GetRowCursor([column]))
        {
            cursor.MoveNext();
            cursor.GetGetter<VBuffer<float>>(column)(ref x);
        }
        var w = linear.Weights.ToArray();
        var expected = x.Items().Where(p => p.Value != 0 && w[p.Key] != 0).ToDictionary(p => p.Key, p => (double)w[p.Key] * p.Value);
        Assert.Equal(expected.Count, explanations[0].Features.Count);
        Assert.Contains(slotNames, n => n == "Word.free"); // FeaturizeText's own name of the slot read as "word: free"
        var byName = explanations[0].Features.ToDictionary(f => f.Name, f => f.Weight);
        foreach (var (slot, value) in expected)
            AssertClose.Equal(value, byName[ReadableName(slotNames[slot])], abs: 1e-6, rel: 1e-5, what: slotNames[slot]);
    }

    static string ReadableName(string slot) => slot.StartsWith("Word.", StringComparison.Ordinal)
        ? "word: " + slot[5..].Replace('|', ' ')
        : "chars: " + slot[5..].Replace("|", "").Replace("<␠>", "␠").Replace("<␂>", "␂").Replace("<␃>", "␃");

    sealed class Scored
    {
        public float Score { get; set; }
    }

    [Fact]
    public void RegressionContributionsPlusBiasAreThePrediction()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.Text.FeaturizeText("Features", "Text")
            .Append(ml.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options { LabelColumnName = "Value", NumberOfThreads = 1 }))
            .Fit(Data(ml));
        var explanations = LinearModelExplainer.Create(ml, model).Explain(QueryRows(ml));
        var scores = ml.Data.CreateEnumerable<Scored>(model.Transform(QueryRows(ml)), reuseRowObject: false).Select(s => s.Score).ToArray();
        for (int i = 0; i < Queries.Length; i++)
        {
            Assert.Equal("value", explanations[i].Target);
            AssertClose.Equal(scores[i], explanations[i].Reference + explanations[i].Features.Sum(f => f.Weight), abs: 1e-5, rel: 1e-5);
        }
    }

    sealed class MulticlassScored
    {
        public float[] Score { get; set; } = [];
        public string PredictedTopic { get; set; } = "";
    }

    [Fact]
    public void MulticlassRawScoresOfEveryClassGiveTheModelsProbabilities()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "Topic")
            .Append(ml.Transforms.Text.FeaturizeText("Features", "Text"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedTopic", "PredictedLabel"))
            .Fit(Data(ml));
        var explainer = LinearModelExplainer.Create(ml, model);
        var queries = QueryRows(ml);
        var scored = ml.Data.CreateEnumerable<MulticlassScored>(model.Transform(queries), reuseRowObject: false).ToArray();
        int classes = scored[0].Score.Length;
        var perClass = Enumerable.Range(0, classes).Select(c => explainer.Explain(queries, c)).ToArray();
        var predicted = explainer.Explain(queries);
        for (int i = 0; i < Queries.Length; i++)
        {
            var raw = perClass.Select(e => e[i].Output).ToArray();
            double max = raw.Max(), z = raw.Sum(r => Math.Exp(r - max));
            for (int c = 0; c < classes; c++)
            {
                AssertClose.Equal(scored[i].Score[c], Math.Exp(raw[c] - max) / z, abs: 1e-5, what: $"softmax of the raw scores, class {c}");
                AssertClose.Equal(perClass[c][i].Output, perClass[c][i].Reference + perClass[c][i].Features.Sum(f => f.Weight), abs: 1e-5, rel: 1e-5);
            }
            Assert.Equal(scored[i].PredictedTopic, predicted[i].Target); // the predicted class, named by the label's key values
        }
    }

    [Fact]
    public void ANonLinearModelIsRefused()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.Text.FeaturizeText("Features", "Text").Fit(Data(ml));
        Assert.False(LinearModelExplainer.CanExplain(model));
        Assert.Throws<NotSupportedException>(() => LinearModelExplainer.Create(ml, model));
    }
}
