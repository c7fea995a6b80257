using CsCheck;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Balancing;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.Balancing;

public class LabelBalancerTests
{
    static InMemoryDataView View(string[] labels, float[][]? features = null, string[]? texts = null)
    {
        texts ??= labels.Select((l, i) => $"{l} text number {i} with cheap money and a meeting").ToArray();
        var cols = new List<(string, DataViewType, Array)>
        {
            ("Label", TextDataViewType.Instance, labels.Select(l => l.AsMemory()).ToArray()),
            ("Text", TextDataViewType.Instance, texts.Select(t => t.AsMemory()).ToArray()),
            ("Id", NumberDataViewType.Int32, Enumerable.Range(0, labels.Length).ToArray()),
        };
        if (features != null)
            cols.Add(("Features", new VectorDataViewType(NumberDataViewType.Single, features[0].Length), features.Select(f => new VBuffer<float>(f.Length, f)).ToArray()));
        return InMemoryDataView.FromColumns(cols.ToArray());
    }

    static readonly Gen<(int A, int B, int C, double Ratio)> Counts = Gen.Select(Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[0, 40], Gen.Double[0.1, 1.0]);

    static string[] Labels(int a, int b, int c) =>
        Enumerable.Repeat("a", a).Concat(Enumerable.Repeat("b", b)).Concat(Enumerable.Repeat("c", c)).OrderBy(x => x.GetHashCode() % 7).ThenBy(x => x).ToArray();

    [Fact]
    public void OversamplingReachesTheRequestedRatioAndKeepsEveryOriginalRow()
    {
        Counts.Sample((a, b, c, ratio) =>
        {
            var labels = Labels(a, b, c);
            var result = new LabelBalancer(new() { Method = BalanceMethod.RandomOversample, TargetRatio = ratio }).Apply(View(labels));
            var counts = result.Data.GetTextColumn("Label").GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
            int largest = new[] { a, b, c }.Max();
            int target = (int)Math.Ceiling(largest * ratio - 1e-9);
            foreach (var (label, n) in new[] { ("a", a), ("b", b), ("c", c) }.Where(t => t.Item2 > 0))
                Assert.Equal(Math.Max(n, target), counts[label]);
            Assert.Equal(labels, result.Data.GetTextColumn("Label").Take(labels.Length));
            Assert.Equal(result.Data.RowCount, result.Report.RowsOut);
            // a copied row is a real row: its Id's label and text match
            var ids = result.Data.GetColumn<int>("Id");
            var texts = result.Data.GetTextColumn("Text");
            var outLabels = result.Data.GetTextColumn("Label");
            for (int i = 0; i < ids.Length; i++) { Assert.Equal(labels[ids[i]], outLabels[i]); Assert.StartsWith(labels[ids[i]] + " text number " + ids[i] + " ", texts[i]); }
        }, iter: 200);
    }

    [Fact]
    public void UndersamplingCapsLargerClassesAndKeepsInputOrder()
    {
        Counts.Sample((a, b, c, ratio) =>
        {
            var labels = Labels(a, b, c);
            var result = new LabelBalancer(new() { Method = BalanceMethod.RandomUndersample, TargetRatio = ratio }).Apply(View(labels));
            int smallest = new[] { a, b, c }.Where(n => n > 0).Min();
            int cap = (int)Math.Floor(smallest / ratio + 1e-9);
            var counts = result.Data.GetTextColumn("Label").GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
            foreach (var (label, n) in new[] { ("a", a), ("b", b), ("c", c) }.Where(t => t.Item2 > 0))
                Assert.Equal(Math.Min(n, cap), counts[label]);
            var ids = result.Data.GetColumn<int>("Id");
            Assert.Equal(ids.Order(), ids);
            Assert.Equal(labels.Length - result.Data.RowCount, result.Report.TotalDropped);
        }, iter: 200);
    }

    [Fact]
    public void SmotePointsLieOnSegmentsBetweenRealNeighbours()
    {
        Gen.Select(Gen.Int[2, 15], Gen.Int[16, 30], Gen.Int[1, 6], Gen.Int).Sample((minority, majority, k, seed) =>
        {
            var rng = new Random(seed);
            var labels = Enumerable.Repeat("min", minority).Concat(Enumerable.Repeat("maj", majority)).ToArray();
            var features = labels.Select(_ => new[] { (float)rng.Next(-50, 50), (float)rng.Next(-50, 50), (float)rng.NextDouble() }).ToArray();
            var result = new LabelBalancer(new() { Method = BalanceMethod.Smote, Neighbors = k, Seed = seed }).Apply(View(labels, features));
            Assert.Equal(majority * 2, result.Data.RowCount);
            var outFeatures = result.Data.GetColumn<VBuffer<float>>("Features");
            var ids = result.Data.GetColumn<int>("Id");
            var minorityRows = Enumerable.Range(0, minority).ToArray();
            for (int i = labels.Length; i < result.Data.RowCount; i++)
            {
                var p = outFeatures[i].DenseValues().ToArray();
                int x = ids[i]; // the base row
                Assert.Equal("min", labels[x]);
                var kNearest = minorityRows.Where(j => j != x).OrderBy(j => Dist(features[x], features[j])).ThenBy(j => j).Take(Math.Min(k, minority - 1)).ToArray();
                Assert.Contains(kNearest, y => OnSegment(p, features[x], features[y]));
            }
        }, iter: 100);
    }

    static double Dist(float[] a, float[] b) => a.Zip(b).Sum(t => (double)(t.First - t.Second) * (t.First - t.Second));

    static bool OnSegment(float[] p, float[] x, float[] y)
    {
        double? u = null;
        for (int d = 0; d < p.Length; d++)
        {
            double span = y[d] - x[d];
            if (Math.Abs(span) < 1e-6) { if (Math.Abs(p[d] - x[d]) > 1e-3) return false; continue; }
            double ud = (p[d] - x[d]) / span;
            if (ud < -1e-4 || ud > 1 + 1e-4) return false;
            if (u != null && Math.Abs(u.Value - ud) > 1e-3) return false;
            u ??= ud;
        }
        return true;
    }

    [Fact]
    public void SmoteHandlesSparseVectorsFromFeaturizeText()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 30).Select(i => new { Text = i < 5 ? $"win free money prize {i}" : $"meeting agenda report {i % 7}", Label = i < 5 }).ToArray();
        var data = ml.Transforms.Text.FeaturizeText("Features", "Text").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var result = new LabelBalancer(new() { Method = BalanceMethod.Smote, Neighbors = 3 }).Apply(data);
        Assert.Equal(50, result.Data.RowCount);
        Assert.Equal(20, result.Report.Added["smote:true"]);
    }

    [Fact]
    public void AugmentationOversamplingAddsEditedTextOfTheMinority()
    {
        var labels = new[] { "spam", "ham", "ham", "ham", "ham", "ham" };
        var texts = new[] { "buy cheap money now today please friend", "a", "b", "c", "d", "e" };
        var result = new LabelBalancer(new() { Method = BalanceMethod.AugmentOversample, Augmentation = new() { SynonymReplacementRate = 0.3, RandomSwapRate = 0.3, RandomDeletionRate = 0.3, RandomInsertionRate = 0.3 } })
            .Apply(View(labels, texts: texts));
        Assert.Equal(10, result.Data.RowCount);
        Assert.Equal(4, result.Report.Added["augmented:spam"]);
        var newTexts = result.Data.GetTextColumn("Text").Skip(6).ToArray();
        Assert.All(result.Data.GetTextColumn("Label").Skip(6), l => Assert.Equal("spam", l));
        Assert.True(newTexts.Distinct().Count() >= 3, string.Join(" | ", newTexts));
        Assert.All(newTexts, t => Assert.NotEqual(texts[0], t));
    }

    [Fact]
    public void BadInputFailsWithTheColumnName()
    {
        var view = View(["a", "b", "b"]);
        Assert.Contains("'Features'", Assert.Throws<ArgumentOutOfRangeException>(() => new LabelBalancer(new() { Method = BalanceMethod.Smote }).Apply(view)).Message);
        Assert.Contains("'Text'", Assert.Throws<ArgumentException>(() => new LabelBalancer(new() { Method = BalanceMethod.Smote, FeatureColumn = "Text" }).Apply(view)).Message);
        Assert.Contains("'Nope'", Assert.Throws<ArgumentOutOfRangeException>(() => new LabelBalancer(new() { LabelColumn = "Nope" }).Apply(view)).Message);
        var smoteOne = Assert.Throws<InvalidOperationException>(() => new LabelBalancer(new() { Method = BalanceMethod.Smote }).Apply(View(["a", "b", "b"], [[1f], [2f], [3f]])));
        Assert.Contains("at least two rows", smoteOne.Message);
        var single = new LabelBalancer().Apply(View(["a", "a"]));
        Assert.Equal(2, single.Data.RowCount);
    }
}
