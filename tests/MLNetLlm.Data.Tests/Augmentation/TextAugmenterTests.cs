using CsCheck;
using Microsoft.ML.Data;
using MLNetLlm.Data.Augmentation;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.Augmentation;

public class TextAugmenterTests
{
    static readonly string[] Words = ["buy", "cheap", "money", "the", "a", "Free", "offer!", "meeting", "today,", "report", "zebra", "xyz", "win"];

    static readonly Gen<(string[] Words, double Rate, EdaOperation Op, int Seed)> Cases =
        Gen.Select(Gen.OneOf(Words).Array[1, 60], Gen.Double[0, 0.5], Gen.Enum<EdaOperation>(), Gen.Int);

    static TextAugmenter Augmenter(double rate) => new(new AugmentationOptions
    {
        SynonymReplacementRate = rate, RandomInsertionRate = rate, RandomSwapRate = rate, RandomDeletionRate = rate + 1e-12,
    });

    [Fact]
    public void EachEditChangesAtMostTheRequestedFractionOfWords()
    {
        Cases.Sample((words, rate, op, seed) =>
        {
            int limit = (int)Math.Floor(rate * words.Length + 1e-9);
            var output = Augmenter(rate).Augment(string.Join(' ', words), op, new Random(seed)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (op)
            {
                case EdaOperation.SynonymReplacement:
                case EdaOperation.RandomSwap:
                    Assert.Equal(words.Length, output.Length);
                    Assert.True(words.Zip(output).Count(p => p.First != p.Second) <= limit, "too many positions changed");
                    if (op == EdaOperation.RandomSwap) Assert.Equal(words.Order(), output.Order());
                    break;
                case EdaOperation.RandomInsertion:
                    Assert.InRange(output.Length - words.Length, 0, limit);
                    Assert.True(IsSubsequence(words, output), "the original words stay in order");
                    break;
                case EdaOperation.RandomDeletion:
                    Assert.InRange(words.Length - output.Length, 0, limit);
                    Assert.NotEmpty(output);
                    Assert.True(IsSubsequence(output, words), "what is left keeps its order");
                    break;
            }
        }, iter: 2000);
    }

    static bool IsSubsequence(string[] small, string[] big)
    {
        int i = 0;
        foreach (var w in big) if (i < small.Length && small[i] == w) i++;
        return i == small.Length;
    }

    [Fact]
    public void SynonymReplacementUsesTheDictionaryAndKeepsCaseAndPunctuation()
    {
        var synonyms = SynonymDictionary.FromGroups([["cheap", "inexpensive"], ["offer", "deal"]]);
        var augmenter = new TextAugmenter(new AugmentationOptions { SynonymReplacementRate = 1, RandomInsertionRate = 0, RandomSwapRate = 0, RandomDeletionRate = 0 }, synonyms);
        Assert.Equal("Inexpensive deal! for the DEAL", augmenter.Augment("Cheap offer! for the OFFER", EdaOperation.SynonymReplacement, new Random(1)));
    }

    [Fact]
    public void RowsKeepTheirLabelsAndResultsAreDeterministic()
    {
        var view = InMemoryDataView.FromColumns(
            ("Text", TextDataViewType.Instance, new[] { "buy cheap money now today please friend", "see the report before the meeting today" }.Select(s => s.AsMemory()).ToArray()),
            ("Label", BooleanDataViewType.Instance, new[] { true, false }));
        var options = new AugmentationOptions { AugmentationsPerRow = 3, SynonymReplacementRate = 0.3, RandomInsertionRate = 0.3, RandomSwapRate = 0.3, RandomDeletionRate = 0.3 };
        var a = new TextAugmenter(options).Apply(view);
        var b = new TextAugmenter(options).Apply(view);
        Assert.Equal(8, a.Data.RowCount);
        Assert.Equal(6, a.Report.Added["augmented"]);
        Assert.Equal([true, false, true, true, true, false, false, false], a.Data.GetColumn<bool>("Label"));
        Assert.Equal(a.Data.GetTextColumn("Text"), b.Data.GetTextColumn("Text"));
        Assert.True(a.Data.GetTextColumn("Text").Skip(2).Count(t => t != "buy cheap money now today please friend" && t != "see the report before the meeting today") >= 5);
        var other = new TextAugmenter(new AugmentationOptions { AugmentationsPerRow = 3, Seed = 7, SynonymReplacementRate = 0.3, RandomInsertionRate = 0.3, RandomSwapRate = 0.3, RandomDeletionRate = 0.3 }).Apply(view);
        Assert.NotEqual(a.Data.GetTextColumn("Text"), other.Data.GetTextColumn("Text"));
    }

    [Fact]
    public void OnlyLabelsLimitsWhichRowsAreAugmented()
    {
        var view = InMemoryDataView.FromColumns(
            ("Text", TextDataViewType.Instance, new[] { "buy cheap money now", "see the report", "win free money" }.Select(s => s.AsMemory()).ToArray()),
            ("Label", TextDataViewType.Instance, new[] { "spam", "ham", "spam" }.Select(s => s.AsMemory()).ToArray()));
        var result = new TextAugmenter(new AugmentationOptions { OnlyLabels = ["spam"], AugmentationsPerRow = 2 }).Apply(view);
        Assert.Equal(["spam", "ham", "spam", "spam", "spam", "spam", "spam"], result.Data.GetTextColumn("Label"));
    }

    [Fact]
    public void NullAndEmptyTextGiveEmptyAugmentations()
    {
        var augmenter = new TextAugmenter();
        foreach (var op in Enum.GetValues<EdaOperation>())
        {
            Assert.Equal("", augmenter.Augment(null, op, new Random(1)));
            Assert.Equal("", augmenter.Augment("   ", op, new Random(1)));
        }
        Assert.Throws<ArgumentException>(() => new TextAugmenter(new AugmentationOptions { SynonymReplacementRate = 0, RandomInsertionRate = 0, RandomSwapRate = 0, RandomDeletionRate = 0 }));
    }
}
