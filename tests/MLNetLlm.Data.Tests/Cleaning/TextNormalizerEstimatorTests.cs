using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Mapping;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.Cleaning;

public class TextNormalizerEstimatorTests
{
    public sealed class Input
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }

    public sealed class Output
    {
        public string Clean { get; set; } = "";
        public bool PredictedLabel { get; set; }
        public float Score { get; set; }
    }

    static readonly Input[] Rows =
    [
        new() { Text = "<p>FREE money!!! Visit http://win.example.com NOW</p>", Label = true },
        new() { Text = "Cheap &amp; FREE pills at www.pills.example", Label = true },
        new() { Text = "WIN a FREE prize, click http://prize.example.org", Label = true },
        new() { Text = "Limited offer: free gift card, act now", Label = true },
        new() { Text = "Meeting moved to 3pm, see agenda attached", Label = false },
        new() { Text = "Can you review my patch before Friday?", Label = false },
        new() { Text = "Lunch tomorrow? The usual place.", Label = false },
        new() { Text = "The build is green again after the fix", Label = false },
    ];

    static readonly TextNormalizerOptions Options = new() { MaskUrls = true };

    [Fact]
    public void TransformAddsTheNormalizedColumnAndKeepsTheRest()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var model = ml.Llm().NormalizeText("Clean", "Text", Options).Fit(data);
        var output = InMemoryDataView.Materialize(model.Transform(data));
        Assert.Equal(Rows.Length, output.RowCount);
        Assert.Equal(Rows.Select(r => TextNormalizer.Normalize(r.Text, Options)), output.GetTextColumn("Clean"));
        Assert.Equal(Rows.Select(r => r.Text), output.GetTextColumn("Text"));
        Assert.Equal("free money!!! visit [url] now", output.GetTextColumn("Clean")[0]);
    }

    [Fact]
    public void SameNameReplacesTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var transformed = ml.Llm().NormalizeText("Text").Fit(data).Transform(data);
        Assert.Equal(TextNormalizer.Normalize(Rows[1].Text), InMemoryDataView.Materialize(transformed).GetTextColumn("Text")[1]);
        Assert.Equal(1, transformed.Schema.Count(c => c.Name == "Text" && !c.IsHidden));
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void TrainsInAChainPredictsAndSurvivesSaveAndLoadInAFreshContext()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var pipeline = ml.Llm().NormalizeText("Clean", "Text", Options)
            .Append(ml.Transforms.Text.FeaturizeText("Features", "Clean"))
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(labelColumnName: "Label", maximumNumberOfIterations: 20));
        var model = pipeline.Fit(data);
        var engine = ml.Model.CreatePredictionEngine<Input, Output>(model);
        var probe = new Input { Text = "<b>FREE</b> prize at http://x.example.com" };
        var before = engine.Predict(probe);
        Assert.Equal("free prize at [url]", before.Clean);

        string path = Path.Combine(Path.GetTempPath(), $"normalizer-{Guid.NewGuid():N}.mlnetllm");
        try
        {
            ml.Llm().Model.Save(model, data.Schema, path);
            var fresh = new MLContext(seed: 7);
            var loaded = fresh.Llm().Model.Load(path, out var schema);
            Assert.NotNull(schema.GetColumnOrNull("Text"));
            var after = fresh.Model.CreatePredictionEngine<Input, Output>(loaded).Predict(probe);
            Assert.Equal(before.Clean, after.Clean);
            Assert.Equal(before.Score, after.Score);
            Assert.Equal(before.PredictedLabel, after.PredictedLabel);

            var batch = InMemoryDataView.Materialize(loaded.Transform(fresh.Data.LoadFromEnumerable(Rows)));
            Assert.Equal(Rows.Select(r => TextNormalizer.Normalize(r.Text, Options)), batch.GetTextColumn("Clean"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void OptionsSurviveSaveAndLoad()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var options = new TextNormalizerOptions { CaseFolding = false, StripEmailHeaders = true, KeepSubject = false, MaskNumbers = true, NumberToken = "NUM" };
        var model = ml.Llm().NormalizeText("Clean", "Text", options).Fit(data);
        string dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            model.SaveTo(dir);
            var loaded = Assert.IsType<TextNormalizerTransformer>(TextNormalizerTransformer.LoadFrom(new MLContext(), dir));
            Assert.Equal(model.Columns, loaded.Columns);
            var o = loaded.Options;
            Assert.False(o.CaseFolding);
            Assert.True(o.StripEmailHeaders);
            Assert.False(o.KeepSubject);
            Assert.Equal("NUM", o.NumberToken);
            Assert.Equal(o.Summary, options.Summary);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void NullTextInTheDataBecomesEmpty()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(new[] { new Input { Text = null! }, new Input { Text = "  A  " } });
        var output = InMemoryDataView.Materialize(ml.Llm().NormalizeText("Text").Fit(data).Transform(data));
        Assert.Equal(["", "a"], output.GetTextColumn("Text"));
    }

    [Fact]
    public void MissingOrWrongTypeColumnsFailAtFitWithTheColumnName()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(Rows);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().NormalizeText("Clean", "Body").Fit(data));
        Assert.Contains("'Body'", missing.Message);
        var wrong = Assert.Throws<ArgumentException>(() => ml.Llm().NormalizeText("Clean", "Label").Fit(data));
        Assert.Contains("'Label'", wrong.Message);
        Assert.Contains("text", wrong.Message);
        var shapeError = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Llm().NormalizeText("Clean", "Body").GetOutputSchema(SchemaShapes.FromSchema(data.Schema)));
        Assert.Contains("'Body'", shapeError.Message);
    }

    [Fact]
    public void EstimatorOutputSchemaHasATextColumn()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(Rows);
        var estimator = ml.Llm().NormalizeText("Clean", "Text");
        var shape = estimator.GetOutputSchema(SchemaShapes.FromSchema(data.Schema));
        Assert.Contains(shape, c => c.Name == "Clean" && c.ItemType is TextDataViewType && c.Kind == SchemaShape.Column.VectorKind.Scalar);
        Assert.Throws<NotSupportedException>(() => ml.Model.Save(estimator.Fit(data), data.Schema, new MemoryStream()));
    }
}
