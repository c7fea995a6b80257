using Microsoft.ML;
using MLNetLlm.Data.Outliers;

namespace MLNetLlm.Data.Tests.Outliers;

public class OutlierFilterTests
{
    public sealed class Row
    {
        public string Text { get; set; } = "";
        public float Score { get; set; }
    }

    [Fact]
    public void DropsRowsBeyondTheZScoreThreshold()
    {
        var ml = new MLContext();
        var rows = Enumerable.Range(0, 30).Select(i => new Row { Text = new string('a', 20 + i % 5), Score = i % 3 }).ToList();
        rows.Add(new Row { Text = new string('b', 5000), Score = 1 });   // long text
        rows.Add(new Row { Text = "normal length text!!", Score = 500 }); // extreme score
        rows.Add(new Row { Text = "nan score is kept ok", Score = float.NaN });
        var result = ml.Llm().FilterOutliers(new OutlierOptions { NumericColumns = ["Score"], TextLengthColumns = ["Text"], Threshold = 3 })
            .Apply(ml.Data.LoadFromEnumerable(rows));
        Assert.Equal(31, result.Report.RowsOut);
        Assert.Equal(1, result.Report.Dropped["outlier:Score"]);
        Assert.Equal(1, result.Report.Dropped["outlier:length(Text)"]);
        Assert.DoesNotContain(result.Data.GetTextColumn("Text"), t => t.Length == 5000);
        Assert.Contains("threshold", result.Report.ToString());
    }

    [Fact]
    public void ConstantColumnsDropNothingAndBadColumnsFail()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(_ => new Row { Text = "same", Score = 2 }));
        Assert.Equal(10, ml.Llm().FilterOutliers(new OutlierOptions { NumericColumns = ["Score"], LengthInWords = true }).Apply(data).Report.RowsOut);
        Assert.Contains("'Text'", Assert.Throws<ArgumentException>(() => ml.Llm().FilterOutliers(new OutlierOptions { NumericColumns = ["Text"], TextLengthColumns = [] }).Apply(data)).Message);
        Assert.Contains("'Score'", Assert.Throws<ArgumentException>(() => ml.Llm().FilterOutliers(new OutlierOptions { TextLengthColumns = ["Score"] }).Apply(data)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().FilterOutliers(new OutlierOptions { Threshold = 0 }));
    }
}
