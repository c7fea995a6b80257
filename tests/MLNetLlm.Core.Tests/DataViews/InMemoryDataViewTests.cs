using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.DataViews;

namespace MLNetLlm.Core.Tests.DataViews;

public sealed class InMemoryDataViewTests
{
    sealed class Row
    {
        public string Text { get; set; } = "";
        public float Score { get; set; }
        [VectorType(3)] public float[] Features { get; set; } = [];
    }

    static IDataView Source(MLContext ml) => ml.Data.LoadFromEnumerable(new[]
    {
        new Row { Text = "a", Score = 1, Features = [1, 2, 3] },
        new Row { Text = "b", Score = 2, Features = [4, 5, 6] },
        new Row { Text = "c", Score = 3, Features = [7, 8, 9] },
    });

    [Fact]
    public void MaterializeSelectConcatAndWithColumnKeepValues()
    {
        var ml = new MLContext(1);
        var mem = InMemoryDataView.Materialize(Source(ml));
        Assert.Equal(3, mem.RowCount);
        var picked = mem.SelectRows([2, 0, 2]);
        Assert.Equal(["c", "a", "c"], picked.GetTextColumn("Text"));
        var rows = ml.Data.CreateEnumerable<Row>(picked, reuseRowObject: false).ToList();
        Assert.Equal([7f, 8, 9], rows[0].Features);
        Assert.Equal([1f, 2, 3], rows[1].Features);

        var both = mem.Concat(picked);
        Assert.Equal(6, both.RowCount);
        Assert.Equal([1f, 2, 3, 3, 1, 3], both.GetColumn<float>("Score"));

        var replaced = mem.WithColumn("Text", TextDataViewType.Instance, new[] { "x".AsMemory(), "y".AsMemory(), "z".AsMemory() });
        Assert.Equal(["x", "y", "z"], replaced.GetTextColumn("Text"));
        Assert.Equal(mem.Schema.Count, replaced.Schema.Count);
        var added = mem.WithColumn("Weight", NumberDataViewType.Single, new[] { 0.5f, 1, 2 });
        Assert.Equal(mem.Schema.Count + 1, added.Schema.Count);
    }

    [Fact]
    public void VectorsHandedOutAreCopies()
    {
        var ml = new MLContext(1);
        var mem = InMemoryDataView.Materialize(Source(ml));
        var col = mem.Schema["Features"];
        using (var cursor = mem.GetRowCursor([col]))
        {
            var get = cursor.GetGetter<VBuffer<float>>(col);
            Assert.True(cursor.MoveNext());
            VBuffer<float> v = default;
            get(ref v);
            var editor = VBufferEditor.CreateFromBuffer(ref v);
            editor.Values[0] = 100; // a consumer writing into its buffer
        }
        Assert.Equal(1f, mem.GetColumn<VBuffer<float>>("Features")[0].GetValues()[0]);
    }

    [Fact]
    public void WorksAsTrainingDataForMlNet()
    {
        var ml = new MLContext(1);
        var mem = InMemoryDataView.Materialize(Source(ml)).SelectRows(Enumerable.Range(0, 30).Select(i => i % 3).ToArray());
        var model = ml.Transforms.NormalizeMinMax("Features").Fit(mem);
        var scored = model.Transform(mem);
        var rows = ml.Data.CreateEnumerable<Row>(scored, false).ToList();
        Assert.Equal(30, rows.Count);
        Assert.All(rows, r => Assert.InRange(r.Features.Max(), 0f, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => mem.SelectRows([31]));
    }
}
