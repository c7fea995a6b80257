using CsCheck;
using Microsoft.ML.Data;
using MLNetLlm.IO;

namespace MLNetLlm.Core.Tests.IO;

public sealed class DelimitedFileTests
{
    [Fact]
    public void ParsesQuotedFieldsWithSeparatorsQuotesAndLineBreaks()
    {
        var t = DelimitedFile.Parse("Id,Text\r\n1,\"a, \"\"b\"\"\nc\"\n2,plain\n", "mem.csv", ',');
        Assert.Equal(["Id", "Text"], t.Header);
        Assert.Equal(2, t.Rows.Count);
        Assert.Equal("a, \"b\"\nc", t.Rows[0][1]);
        Assert.Equal([2, 4], t.Lines);
    }

    [Fact]
    public void RoundTripsAnyStrings()
    {
        Gen.String.Array[1, 4].Select(Gen.Int[1, 5]).Sample(t =>
        {
            var (cells, rows) = t;
            var header = cells.Select((_, i) => "c" + i).ToArray();
            var data = Enumerable.Range(0, rows).Select(r => (IReadOnlyList<string>)cells.Select(c => c + r).ToArray()).ToList();
            string path = Path.Combine(Path.GetTempPath(), $"rt-{Guid.NewGuid():N}.csv");
            try
            {
                DelimitedFile.Write(path, header, data);
                var back = DelimitedFile.Read(path);
                Assert.Equal(header, back.Header);
                Assert.Equal(data.Count, back.Rows.Count);
                for (int r = 0; r < data.Count; r++) Assert.Equal(data[r], back.Rows[r]);
            }
            finally { File.Delete(path); }
        }, iter: 200);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   \n\n", "is empty")]
    [InlineData("a,b\n1,2,3\n", "line 2 (data row 1): 3 field(s), but the header has 2")]
    [InlineData("a,b\n1,\"open\n", "never closed")]
    [InlineData("a,a\n1,2\n", "names column 'a' twice")]
    [InlineData("a,\n1,2\n", "header column 2 has no name")]
    [InlineData("a,b\n\"x\"y,2\n", "after a closing quote")]
    public void MalformedInputNamesTheProblem(string text, string expected)
    {
        var ex = Assert.Throws<DataFileException>(() => DelimitedFile.Parse(text, "bad.csv", ','));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("bad.csv", ex.Message);
    }

    [Fact]
    public void MissingFileAndInvalidUtf8AreReported()
    {
        Assert.Contains("does not exist", Assert.Throws<DataFileException>(() => DelimitedFile.Read("/no/such/file.csv")).Message);
        string path = Path.Combine(Path.GetTempPath(), $"latin1-{Guid.NewGuid():N}.csv");
        File.WriteAllBytes(path, [(byte)'a', (byte)'\n', 0xE9, (byte)'\n']);
        try { Assert.Contains("not valid UTF-8", Assert.Throws<DataFileException>(() => DelimitedFile.Read(path)).Message); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ToDataViewConvertsTypesAndNamesBadValues()
    {
        var t = DelimitedFile.Parse("Label,Score,Text\ntrue,1.5,x\nno,,y\n", "m.csv", ',');
        var view = t.ToDataView(("Label", BooleanDataViewType.Instance), ("Score", NumberDataViewType.Single), ("Text", TextDataViewType.Instance));
        Assert.Equal([true, false], view.GetColumn<bool>("Label"));
        var scores = view.GetColumn<float>("Score");
        Assert.Equal(1.5f, scores[0]);
        Assert.True(float.IsNaN(scores[1]));

        var bad = DelimitedFile.Parse("Label,Text\ntrue,x\nmaybe,y\n", "b.csv", ',');
        var ex = Assert.Throws<DataFileException>(() => bad.ToDataView(("Label", BooleanDataViewType.Instance)));
        Assert.Contains("line 3", ex.Message);
        Assert.Contains("'Label'", ex.Message);
        Assert.Contains("'maybe' is not a boolean", ex.Message);

        var missing = Assert.Throws<DataFileException>(() => bad.ToDataView(("label", TextDataViewType.Instance)));
        Assert.Contains("Column 'label' not found", missing.Message);
        Assert.Contains("Did you mean 'Label'", missing.Message);

        var headerOnly = DelimitedFile.Parse("Label,Text\n", "h.csv", ',');
        Assert.Contains("no data rows", Assert.Throws<DataFileException>(() => headerOnly.ToDataView()).Message);
    }

    [Fact]
    public void ReadsTheShippedSpamSample()
    {
        string path = Path.Combine(TestPaths.RepoRoot, "data", "spam", "sample-train.csv");
        var t = DelimitedFile.Read(path);
        Assert.Equal(["Id", "Group", "Label", "Text"], t.Header);
        Assert.Equal(400, t.Rows.Count);
        Assert.All(t.Column("Label"), l => Assert.Contains(l, new[] { "spam", "ham" }));
        Assert.All(t.Column("Text"), x => Assert.Matches(@"^[A-Za-z-]+:? ", x)); // every mail starts with a header line
        Assert.Equal(400, t.Column("Id").Distinct().Count());
    }
}
