using CsCheck;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.Deduplication;

public class DeduplicatorTests
{
    static readonly string[] Vocabulary = ["free", "money", "Meeting", "today", "<b>win</b>", "  ", "PRIZE", "agenda", "the", "a", "!!!"];

    static string Document(Random rng, int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(_ => $"w{rng.Next(5000)}"));

    [Fact]
    public void OutputHasNoExactDuplicatesAndIsAnOrderedSubsetOfTheInput()
    {
        var gen = Gen.OneOf(Vocabulary).Array[0, 4].Select(w => string.Join(" ", w)).Array[0, 40];
        var dedup = new Deduplicator(new DeduplicationOptions { MaxDegreeOfParallelism = 1 });
        gen.Sample(texts =>
        {
            var result = dedup.FindDuplicates(texts);
            var kept = result.KeptRows;
            Assert.True(kept.SequenceEqual(kept.Order()), "kept rows stay in input order");
            var normalized = kept.Select(i => TextNormalizer.Normalize(texts[i])).ToArray();
            Assert.Equal(normalized.Length, normalized.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(texts.Length, kept.Count + result.ExactDuplicates + result.NearDuplicates);
            for (int i = 0; i < texts.Length; i++)
            {
                int of = result.DuplicateOf[i];
                if (of < 0) continue;
                Assert.True(of < i && result.DuplicateOf[of] < 0, "a duplicate points to an earlier kept row");
            }
            // every distinct normalized text of the input survives as an exact text (or as a near duplicate of a kept one)
            var exactKept = texts.Select(t => TextNormalizer.Normalize(t)).Distinct().Count();
            Assert.Equal(exactKept, kept.Count + result.NearDuplicates);
        }, iter: 300);
    }

    [Fact]
    public void FindsNearDuplicatesAndKeepsDifferentTexts()
    {
        var rng = new Random(3);
        var originals = Enumerable.Range(0, 200).Select(_ => Document(rng, 120)).ToList();
        var texts = new List<string>(originals);
        // near copies: change 2 of 120 words (Jaccard of word 3-grams about 0.9)
        for (int d = 0; d < 50; d++)
        {
            var words = originals[d].Split(' ');
            words[10] = "changed"; words[80] = "edited";
            texts.Add(string.Join(' ', words));
        }
        // far copies: replace half the words (Jaccard about 0.2): must be kept
        for (int d = 50; d < 70; d++)
        {
            var words = originals[d].Split(' ');
            for (int w = 0; w < words.Length; w += 2) words[w] = $"x{rng.Next(5000)}";
            texts.Add(string.Join(' ', words));
        }
        texts.Add(originals[100].ToUpperInvariant()); // exact after normalization

        var result = new Deduplicator().FindDuplicates(texts);
        Assert.Equal(1, result.ExactDuplicates);
        Assert.Equal(50, result.NearDuplicates);
        Assert.Equal(270 - 50, result.KeptRows.Count);
        for (int d = 0; d < 50; d++) Assert.Equal(d, result.DuplicateOf[200 + d]);
        Assert.Equal(100, result.DuplicateOf[^1]);
        Assert.Equal(DuplicateKind.Exact, result.Kinds[^1]);
        Assert.True(result.Bands * result.RowsPerBand <= 128);
    }

    [Fact]
    public void CharacterShinglesCatchSmallSpellingChanges()
    {
        var texts = new[] { "Congratulations, you have won a free cruise to the Bahamas! Reply today.", "Congratulations, you have won a free cruise to the Bahamas!! Reply today!", "Please find the quarterly report attached for review." };
        var result = new Deduplicator(new() { Shingles = ShingleUnit.Character, ShingleSize = 5, JaccardThreshold = 0.7 }).FindDuplicates(texts);
        Assert.Equal([-1, 0, -1], result.DuplicateOf);
    }

    [Fact]
    public void ResultsDependOnTheSeedOnlyNotOnThreads()
    {
        var rng = new Random(5);
        var texts = Enumerable.Range(0, 300).Select(i => i % 3 == 0 && i > 0 ? Document(new Random(i - 1), 40) : Document(rng, 40)).ToArray();
        var a = new Deduplicator(new() { MaxDegreeOfParallelism = 1, Seed = 9 }).FindDuplicates(texts);
        var b = new Deduplicator(new() { MaxDegreeOfParallelism = 4, Seed = 9 }).FindDuplicates(texts);
        Assert.Equal(a.DuplicateOf, b.DuplicateOf);
    }

    [Theory]
    [InlineData(DeduplicationMethod.Exact)]
    [InlineData(DeduplicationMethod.NearDuplicate)]
    public void ANullTextCountsAsAnEmptyOne(DeduplicationMethod method)
    {
        string?[] texts = [null, "a few words here", "", null, "other words entirely"];
        var result = new Deduplicator(new() { Method = method, MaxDegreeOfParallelism = 1 }).FindDuplicates(texts);
        Assert.Equal([-1, -1, 0, 0, -1], result.DuplicateOf);
        Assert.Equal([DuplicateKind.Kept, DuplicateKind.Kept, DuplicateKind.Exact, DuplicateKind.Exact, DuplicateKind.Kept], result.Kinds);
    }

    [Fact]
    public void ExactModeAndRowOperationReport()
    {
        var ml = new MLContext(seed: 1);
        var view = InMemoryDataView.FromColumns(
            ("Text", TextDataViewType.Instance, new[] { "Hello World", "hello   world", "<p>Hello World</p>", "Other", "" , "" }.Select(s => s.AsMemory()).ToArray()),
            ("Label", BooleanDataViewType.Instance, new[] { true, false, true, false, true, true }));
        var dedup = ml.Llm().Deduplicate(new() { Method = DeduplicationMethod.Exact });
        var result = dedup.Apply(view);
        Assert.Equal(["Hello World", "Other", ""], result.Data.GetTextColumn("Text"));
        Assert.Equal([true, false, true], result.Data.GetColumn<bool>("Label"));
        Assert.Equal(6, result.Report.RowsIn);
        Assert.Equal(3, result.Report.RowsOut);
        Assert.Equal(3, result.Report.Dropped["exact-duplicate"]);
        Assert.False(result.Report.Dropped.ContainsKey("near-duplicate"));
        Assert.Contains("Deduplicate: 6 in, 3 out; dropped exact-duplicate=3", result.Report.ToString());
    }

    [Fact]
    public void BadColumnsAndOptionsFailClearly()
    {
        var view = InMemoryDataView.FromColumns(("Score", NumberDataViewType.Single, new[] { 1f, 2f }));
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => new Deduplicator(new() { TextColumn = "Body" }).Apply(view));
        Assert.Contains("'Body'", missing.Message);
        var wrong = Assert.Throws<ArgumentException>(() => new Deduplicator(new() { TextColumn = "Score" }).Apply(view));
        Assert.Contains("'Score'", wrong.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Deduplicator(new() { JaccardThreshold = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Deduplicator(new() { NumPermutations = 0 }));
    }

    [Fact]
    public void AStepThatWouldDropMoreThanItsLimitThrowsNamingTheCounts()
    {
        // Distinct sentences over one alphabet: as sets of single characters they are all near duplicates.
        string[] texts =
        [
            "the quick brown fox jumps over the lazy dog", "pack my box with five dozen liquor jugs",
            "how vexingly quick daft zebras jump", "sphinx of black quartz judge my vow",
            "the five boxing wizards jump quickly", "jackdaws love my big sphinx of quartz",
        ];
        var view = InMemoryDataView.FromColumns(("Body", TextDataViewType.Instance, texts.Select(t => t.AsMemory()).ToArray()));
        var chars = new DeduplicationOptions { TextColumn = "Body", Shingles = ShingleUnit.Character, ShingleSize = 1, JaccardThreshold = 0.5 };

        var unlimited = new Deduplicator(chars).Apply(view); // default: no limit, the rows go
        Assert.True(unlimited.Report.RowsOut <= 3, $"1-character shingles kept {unlimited.Report.RowsOut} of 6");

        chars.MaxRemovedFraction = 0.5;
        var ex = Assert.Throws<InvalidOperationException>(() => new Deduplicator(chars).Apply(view));
        Assert.Contains("'Body'", ex.Message);
        Assert.Contains($"drop {6 - unlimited.Report.RowsOut} of 6 rows", ex.Message);
        Assert.Contains("character shingles of 1", ex.Message);

        var words = new DeduplicationOptions { TextColumn = "Body", MaxRemovedFraction = 0.5 }; // word 3-grams: nothing in common
        Assert.Equal(6, new Deduplicator(words).Apply(view).Report.RowsOut);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Deduplicator(new() { MaxRemovedFraction = 0 }));
    }

    [Fact]
    public void LshBandingFollowsTheThreshold()
    {
        var (b8, r8) = LshParameters.Choose(128, 0.8);
        var (b5, r5) = LshParameters.Choose(128, 0.5);
        Assert.True(r8 > r5, $"a higher threshold needs longer bands ({b8}x{r8} vs {b5}x{r5})");
        double Threshold(int b, int r) => Math.Pow(1.0 / b, 1.0 / r); // where the S-curve rises
        Assert.InRange(Threshold(b8, r8), 0.65, 0.9);
        Assert.InRange(Threshold(b5, r5), 0.35, 0.65);
    }
}
