using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Commands;

public sealed class CleanCommandTests : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    const string Data =
        "Id,Label,Text\n" +
        "1,ham,\"  Hello   <b>World</b>  \"\n" +
        "2,ham,hello world\n" +                                  // exact duplicate of 1 after normalization
        "3,spam,\"   \"\n" +                                     // empty
        "4,spam,the quick brown fox jumps over the lazy dog near the river bank today\n" +
        "5,spam,the quick brown fox jumps over the lazy dog near the river bank today!\n" + // near duplicate of 4
        "6,ham,an entirely different message about the quarterly budget review\n";

    [Fact]
    public void CleanNormalizesAndDropsEmptyAndDuplicateRowsKeepingOtherColumns()
    {
        string input = _tmp.Write("in.csv", Data), output = _tmp.File("out.csv");
        var r = CliResult.Run("clean", "--dataset", input, "--output", output);
        r.AssertSuccess();
        Assert.Contains("6 rows in, 1 empty, 1 exact and 1 near duplicates dropped, 3 rows written", r.Out);
        var table = DelimitedFile.Read(output);
        Assert.Equal(["Id", "Label", "Text"], table.Header);
        Assert.Equal(["1", "4", "6"], table.Column("Id"));
        Assert.Equal("hello world", table.Column("Text")[0]);
        Assert.Equal(["ham", "spam", "ham"], table.Column("Label"));
    }

    [Fact]
    public void ExactOnlyWithoutRewritingKeepsTextAndNearDuplicates()
    {
        string input = _tmp.Write("in.csv", Data), output = _tmp.File("out.tsv");
        var r = CliResult.Run("clean", "--dataset", input, "--output", output, "--dedup", "exact", "--no-normalize", "--keep-empty");
        r.AssertSuccess();
        var table = DelimitedFile.Read(output);
        // The text is written as it was, the empty row is kept, the near duplicate too; duplicates are still compared
        // on normalized text, so row 2 (same words as row 1) goes.
        Assert.Equal(["1", "3", "4", "5", "6"], table.Column("Id"));
        Assert.Equal("  Hello   <b>World</b>  ", table.Column("Text")[0]);
    }

    [Fact]
    public void ShingleOptionsReachTheNearDuplicateSearch()
    {
        string input = _tmp.Write("in.csv", Data);
        // Rows 4 and 6 share no word 3-gram, but as sets of single characters they overlap by far more than half.
        var r = CliResult.Run("clean", "--dataset", input, "--output", _tmp.File("o.csv"), "--shingles", "character", "--shingle-size", "1", "--jaccard", "0.5");
        r.AssertSuccess();
        var kept = DelimitedFile.Read(_tmp.File("o.csv")).Column("Id");
        Assert.Contains("1", kept);
        Assert.Contains("4", kept);
        Assert.DoesNotContain("6", kept);
        CliResult.Run("clean", "--dataset", input, "--output", _tmp.File("o.csv"), "--dedup", "exact", "--shingle-size", "2").AssertOneLineError("--shingle-size");
        CliResult.Run("clean", "--dataset", input, "--output", _tmp.File("o.csv"), "--shingle-size", "0").AssertOneLineError("ShingleSize");
    }

    [Fact]
    public void BadOptionsAndColumnsAreReported()
    {
        string input = _tmp.Write("in.csv", Data);
        CliResult.Run("clean", "--dataset", input, "--output", _tmp.File("o.csv"), "--text-col", "Body").AssertOneLineError("'Body'", "in.csv");
        CliResult.Run("clean", "--dataset", input, "--output", _tmp.File("o.csv"), "--dedup", "exact", "--jaccard", "0.9").AssertOneLineError("--jaccard");
        CliResult.Run("clean", "--dataset", input, "--output", _tmp.File("o.csv"), "--jaccard", "1.5").AssertOneLineError("Jaccard");
        CliResult.Run("clean", "--dataset", _tmp.File("none.csv"), "--output", _tmp.File("o.csv")).AssertOneLineError("none.csv", "does not exist");
    }
}
