using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.MissingValues;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.MissingValues;

public class MissingValueTests
{
    public sealed class Row
    {
        public string? Text { get; set; }
        public float Size { get; set; }
        public double Price { get; set; }
    }

    static readonly Row[] Rows =
    [
        new() { Text = "hello", Size = 1, Price = 10 }, new() { Text = null, Size = 3, Price = double.NaN },
        new() { Text = "  ", Size = float.NaN, Price = 30 }, new() { Text = "bye", Size = 8, Price = 20 },
    ];

    [Fact]
    public void DropCountsEachRowOnceUnderItsFirstMissingColumn()
    {
        var ml = new MLContext();
        var result = ml.Llm().DropMissing("Text", "Size", "Price").Apply(ml.Data.LoadFromEnumerable(Rows));
        Assert.Equal(["hello", "bye"], result.Data.GetTextColumn("Text"));
        Assert.Equal(2, result.Report.Dropped["missing:Text"]);
        Assert.False(result.Report.Dropped.ContainsKey("missing:Size"));
        var bySize = ml.Llm().DropMissing("Size").Apply(ml.Data.LoadFromEnumerable(Rows));
        Assert.Equal(3, bySize.Report.RowsOut);
        Assert.Equal(1, bySize.Report.Dropped["missing:Size"]);
    }

    [Fact]
    public void FillLearnsMeanAndMedianAndAppliesAtPredictionAndAfterSave()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(Rows);
        var model = ml.Llm().FillMissing(
            new MissingValueFillOptions { InputColumn = "Text", Fill = MissingValueFill.Placeholder },
            new MissingValueFillOptions { InputColumn = "Size", OutputColumn = "SizeFilled", Fill = MissingValueFill.Median },
            new MissingValueFillOptions { InputColumn = "Price", Fill = MissingValueFill.Mean }).Fit(data);
        var output = InMemoryDataView.Materialize(model.Transform(data));
        Assert.Equal(["hello", "[missing]", "[missing]", "bye"], output.GetTextColumn("Text"));
        Assert.Equal([1f, 3f, 3f, 8f], output.GetColumn<float>("SizeFilled"));
        Assert.True(float.IsNaN(output.GetColumn<float>("Size")[2]));
        Assert.Equal([10, 20, 30, 20], output.GetColumn<double>("Price"));

        string path = Path.Combine(Path.GetTempPath(), $"fill-{Guid.NewGuid():N}.mlnetllm");
        try
        {
            ml.Llm().Model.Save(model, data.Schema, path);
            var loaded = new MLContext().Llm().Model.Load(path, out _);
            var engine = ml.Model.CreatePredictionEngine<Row, Row>(loaded);
            var p = engine.Predict(new Row { Text = "", Size = 5, Price = double.NaN });
            Assert.Equal("[missing]", p.Text);
            Assert.Equal(20, p.Price);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void WrongFillOrTypeFailsClearly()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(Rows);
        Assert.Contains("'Text'", Assert.Throws<ArgumentException>(() => ml.Llm().FillMissing(new MissingValueFillOptions { InputColumn = "Text", Fill = MissingValueFill.Mean }).Fit(data)).Message);
        Assert.Contains("'Size'", Assert.Throws<ArgumentException>(() => ml.Llm().FillMissing(new MissingValueFillOptions { InputColumn = "Size", Fill = MissingValueFill.Placeholder }).Fit(data)).Message);
        Assert.Contains("'Nope'", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().FillMissing(new MissingValueFillOptions { InputColumn = "Nope" }).Fit(data)).Message);
        Assert.Contains("'Nope'", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().DropMissing("Nope").Apply(data)).Message);
        var allNaN = ml.Data.LoadFromEnumerable(new[] { new Row { Size = float.NaN } });
        Assert.Throws<InvalidOperationException>(() => ml.Llm().FillMissing(new MissingValueFillOptions { InputColumn = "Size", Fill = MissingValueFill.Mean }).Fit(allNaN));
    }
}
