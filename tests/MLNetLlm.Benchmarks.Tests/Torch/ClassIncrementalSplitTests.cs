using MLNetLlm.Benchmarks.Torch;
using MLNetLlm.IO;

namespace MLNetLlm.Benchmarks.Tests.Torch;

public sealed class ClassIncrementalSplitTests
{
    // 10 rows each of a, b, c and 3 of d; every text names its label and its row
    static DelimitedTable Table()
    {
        var lines = new List<string> { "Label,Text" };
        foreach (var (label, count) in new[] { ("a", 10), ("b", 10), ("c", 10), ("d", 3) })
            for (int i = 0; i < count; i++) lines.Add($"{label},{label}-{i}");
        return DelimitedFile.Parse(string.Join('\n', lines), "toy.csv", ',');
    }

    [Fact]
    public void EachTaskHoldsOnlyItsOwnLabelsBalancedOverThem()
    {
        var split = ClassIncrementalSplit.Create(["a", "b"], ["c", "d"]);
        var (texts, labels) = split.Pick(Table(), taskB: false, rows: 6, seed: 1);
        Assert.Equal(6, texts.Length);
        Assert.Equal(3, labels.Count(l => l == "a"));
        Assert.Equal(3, labels.Count(l => l == "b"));
        for (int i = 0; i < texts.Length; i++) Assert.StartsWith(labels[i] + "-", texts[i], StringComparison.Ordinal);
        Assert.Equal(texts.Length, texts.Distinct().Count());

        // d has only 3 rows: all of them, and c its share (4), not more
        var (bTexts, bLabels) = split.Pick(Table(), taskB: true, rows: 8, seed: 1);
        Assert.Equal(4, bLabels.Count(l => l == "c"));
        Assert.Equal(3, bLabels.Count(l => l == "d"));
        Assert.Equal(7, bTexts.Length);
    }

    [Fact]
    public void AnUnevenRowCountGivesTheFirstLabelsOneMore()
    {
        var split = ClassIncrementalSplit.Create(["b", "a"], ["c"]);
        var (_, labels) = split.Pick(Table(), taskB: false, rows: 7, seed: 3);
        Assert.Equal(4, labels.Count(l => l == "b"));
        Assert.Equal(3, labels.Count(l => l == "a"));
    }

    [Fact]
    public void TheSameSeedPicksTheSameRowsAndAnotherSeedOthers()
    {
        var split = ClassIncrementalSplit.Create(["a", "b"], ["c", "d"]);
        var first = split.Pick(Table(), false, 8, seed: 5);
        Assert.Equal(first.Texts, split.Pick(Table(), false, 8, seed: 5).Texts);
        Assert.Equal(first.Labels, split.Pick(Table(), false, 8, seed: 5).Labels);
        Assert.NotEqual(first.Texts, split.Pick(Table(), false, 8, seed: 6).Texts);
    }

    [Fact]
    public void TheLabelsAreGroupAsThenGroupBsInTheGivenOrder()
    {
        var split = ClassIncrementalSplit.Create(["d", " a"], ["c", "b"]);
        Assert.Equal(["d", "a", "c", "b"], split.Labels);
        Assert.Equal(["d", "a"], split.GroupA);
        Assert.Equal(["c", "b"], split.GroupB);
    }

    [Fact]
    public void OverlappingEmptyOrRepeatedGroupsAreRefusedNamingTheOption()
    {
        var overlap = Assert.Throws<ArgumentException>(() => ClassIncrementalSplit.Create(["a", "b"], ["b", "c"], "--group-a", "--group-b"));
        Assert.Equal("Label 'b' is in both --group-a and --group-b; the groups must be disjoint.", overlap.Message);
        Assert.Equal("--group-b needs one or more non-empty labels.",
            Assert.Throws<ArgumentException>(() => ClassIncrementalSplit.Create(["a"], [], "--group-a", "--group-b")).Message);
        Assert.Equal("--group-a needs one or more non-empty labels.",
            Assert.Throws<ArgumentException>(() => ClassIncrementalSplit.Create(["a", " "], ["c"], "--group-a", "--group-b")).Message);
        Assert.Equal("--group-a names label 'a' twice.",
            Assert.Throws<ArgumentException>(() => ClassIncrementalSplit.Create(["a", "a"], ["c"], "--group-a", "--group-b")).Message);
    }

    [Fact]
    public void ALabelWithNoRowsInTheFileIsAnErrorNamingFileTaskAndLabel()
    {
        var split = ClassIncrementalSplit.Create(["a"], ["c", "zippy"]);
        Assert.Equal(3, split.Pick(Table(), false, 3, 1).Texts.Length);
        var error = Assert.Throws<DataFileException>(() => split.Pick(Table(), true, 4, 1));
        Assert.Equal("'toy.csv': label 'zippy' of task B has no rows in column Label.", error.Message);
        Assert.Equal("toy.csv", error.Path);
    }
}
