using Microsoft.ML.Data;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.Deduplication;

/// <summary>Each option's limits (the last valid value accepted, the first invalid one refused with the option and its range named), copies, and what the step reports.</summary>
public sealed class DeduplicationOptionsTests
{
    static void Set(DeduplicationOptions o, string option, object? value)
    {
        var property = typeof(DeduplicationOptions).GetProperty(option)!;
        property.SetValue(o, value == null ? null : Convert.ChangeType(value, property.PropertyType, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("NumPermutations", 2)]
    [InlineData("NumPermutations", 4096)]
    [InlineData("JaccardThreshold", 1e-9)]
    [InlineData("JaccardThreshold", 1.0)]
    [InlineData("ShingleSize", 1)]
    [InlineData("ShingleSize", 64)]
    [InlineData("MaxRemovedFraction", 1e-9)]
    [InlineData("MaxRemovedFraction", 1.0)]
    [InlineData("MaxDegreeOfParallelism", 0)]
    [InlineData("MaxDegreeOfParallelism", 3)]
    [InlineData("TextColumnName", "x")]
    public void TheLastValidValueOfEachOptionIsAccepted(string option, object value)
    {
        var o = new DeduplicationOptions();
        Set(o, option, value);
        o.Validate();
        Assert.Equal(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToString(typeof(DeduplicationOptions).GetProperty(option)!.GetValue(new Deduplicator(o).Options), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("NumPermutations", 1, "2..4096")]
    [InlineData("NumPermutations", 4097, "2..4096")]
    [InlineData("JaccardThreshold", 0.0, "(0, 1]")]
    [InlineData("JaccardThreshold", -0.5, "(0, 1]")]
    [InlineData("JaccardThreshold", 1.0000001, "(0, 1]")]
    [InlineData("JaccardThreshold", double.NaN, "(0, 1]")]
    [InlineData("ShingleSize", 0, "1..64")]
    [InlineData("ShingleSize", 65, "1..64")]
    [InlineData("MaxRemovedFraction", 0.0, "(0, 1]")]
    [InlineData("MaxRemovedFraction", 1.0000001, "(0, 1]")]
    [InlineData("MaxRemovedFraction", double.NaN, "(0, 1]")]
    [InlineData("MaxDegreeOfParallelism", -1, "0 (all cores) or more")]
    [InlineData("TextColumnName", "", "must name a column")]
    [InlineData("TextColumnName", "  ", "must name a column")]
    [InlineData("TextColumnName", null, "must name a column")]
    public void AnInvalidOptionIsRefusedByNameWithItsRange(string option, object? value, string range)
    {
        var o = new DeduplicationOptions();
        Set(o, option, value);
        var ex = Assert.ThrowsAny<ArgumentException>(o.Validate);
        Assert.Equal(option, ex.ParamName);
        Assert.Contains(option + " must", ex.Message);
        Assert.Contains(range, ex.Message);
        Assert.ThrowsAny<ArgumentException>(() => new Deduplicator(o));
    }

    [Fact]
    public void InvalidNormalizationOptionsAreRefusedAndCopiesAreDeep()
    {
        var o = new DeduplicationOptions { Normalization = new TextNormalizerOptions { HalfWidth = true, FullWidth = true } };
        Assert.ThrowsAny<ArgumentException>(o.Validate);

        var original = new DeduplicationOptions { Normalization = new TextNormalizerOptions { CaseFolding = false } };
        var copy = original.Clone();
        copy.Normalization!.CaseFolding = true;
        Assert.False(original.Normalization!.CaseFolding);
        var dedup = new Deduplicator(original);
        original.NumPermutations = 64; // the step keeps its own copy
        Assert.Equal(128, dedup.Options.NumPermutations);
        Assert.Null(new DeduplicationOptions { Normalization = null }.Clone().Normalization);
    }

    [Fact]
    public void WithoutNormalizationTextsAreComparedRaw()
    {
        string[] texts = ["Hello World", "hello   world", "Hello World"];
        Assert.Equal([-1, 0, 0], new Deduplicator(new() { Method = DeduplicationMethod.Exact }).FindDuplicates(texts).DuplicateOf);
        Assert.Equal([-1, -1, 0], new Deduplicator(new() { Method = DeduplicationMethod.Exact, Normalization = null }).FindDuplicates(texts).DuplicateOf);
        Assert.Throws<ArgumentNullException>(() => new Deduplicator().FindDuplicates(null!));
        Assert.Throws<ArgumentNullException>(() => new Deduplicator().Apply(null!));
    }

    static Microsoft.ML.IDataView View(params string[] texts) =>
        InMemoryDataView.FromColumns(("Text", TextDataViewType.Instance, texts.Select(t => t.AsMemory()).ToArray()));

    [Fact]
    public void TheReportNamesTheSettingsAndTheBandingUsed()
    {
        var rng = new Random(8);
        string doc = string.Join(' ', Enumerable.Range(0, 80).Select(_ => $"w{rng.Next(10000)}"));
        string near = doc.Replace(doc.Split(' ')[40], "changed");
        var near3 = new Deduplicator().Apply(View(doc, near, "something else entirely here"));
        var (bands, rows) = LshParameters.Choose(128, 0.8);
        Assert.Equal(new Dictionary<string, string>
        {
            ["method"] = "NearDuplicate", ["jaccard"] = "0.8", ["permutations"] = "128", ["bands"] = $"{bands}x{rows}", ["shingles"] = "word-3",
        }, near3.Report.Details);
        Assert.Equal(1, near3.Report.Dropped["near-duplicate"]);
        Assert.False(near3.Report.Dropped.ContainsKey("exact-duplicate")); // nothing dropped for that reason

        var chars = new Deduplicator(new() { Shingles = ShingleUnit.Character, ShingleSize = 5, JaccardThreshold = 0.65, NumPermutations = 64 }).Apply(View(doc));
        Assert.Equal("character-5", chars.Report.Details["shingles"]);
        Assert.Equal("0.65", chars.Report.Details["jaccard"]);
        Assert.Equal("64", chars.Report.Details["permutations"]);

        var exact = new Deduplicator(new() { Method = DeduplicationMethod.Exact }).Apply(View(doc, doc));
        Assert.Equal(new Dictionary<string, string> { ["method"] = "Exact" }, exact.Report.Details);
    }

    [Fact]
    public void TheRemovalLimitAllowsExactlyItsShareAndTheErrorGivesThePercentage()
    {
        var view = View("a", "a", "b", "b", "c", "c"); // 3 of 6 rows are exact duplicates
        Assert.Equal(3, new Deduplicator(new() { Method = DeduplicationMethod.Exact, MaxRemovedFraction = 0.5 }).Apply(view).Report.RowsOut);
        var ex = Assert.Throws<InvalidOperationException>(() => new Deduplicator(new() { Method = DeduplicationMethod.Exact, MaxRemovedFraction = 0.49 }).Apply(view));
        Assert.Equal("Deduplicate of column 'Text' would drop 3 of 6 rows (50.0%: 3 exact, 0 near duplicates), more than MaxRemovedFraction 0.49 allows; raise MaxRemovedFraction if the data really is mostly duplicates.", ex.Message);

        var near = Assert.Throws<InvalidOperationException>(() => new Deduplicator(new() { MaxRemovedFraction = 0.2 }).Apply(View("one two three four", "one two three four", "x y z")));
        Assert.Contains("drop 1 of 3 rows (33.3%: 1 exact, 0 near duplicates), more than MaxRemovedFraction 0.2 allows; word shingles of 3 at Jaccard 0.8 match", near.Message);
    }
}
