using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Augmentation;
using MLNetLlm.Data.Chunking;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Data.Outliers;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.RowOperations;

/// <summary>Null, empty, invalid UTF-16 and huge texts through every row step: a documented result, no crash, no lost row.</summary>
public class BadInputTests
{
    static readonly string Huge = string.Concat(Enumerable.Repeat("Buy cheap meds at http://x.example.com now! <b>FREE</b> \uD83D\uDE00 ", 10_000_000 / 60));

    static InMemoryDataView View() => InMemoryDataView.FromColumns(
        ("Text", TextDataViewType.Instance, new ReadOnlyMemory<char>[] { default, "".AsMemory(), "bad \uD800 surrogate \uDC00 x".AsMemory(), Huge.AsMemory(), "bad \uD800 surrogate \uDC00 x".AsMemory(), "ok text here".AsMemory() }),
        ("Label", BooleanDataViewType.Instance, new[] { true, false, true, true, false, false }));

    [Trait("Speed", "Slow")]
    [Fact]
    public void EveryRowStepHandlesNullEmptySurrogatesAndATenMegabyteText()
    {
        IRowOperation[] steps =
        [
            new Deduplicator(),
            new TextAugmenter(new AugmentationOptions { AugmentationsPerRow = 1 }),
            new TextChunker(new ChunkingOptions { MaxTokens = 512, Overlap = 0 }),
            new OutlierFilter(new OutlierOptions { Threshold = 2 }),
        ];
        foreach (var step in steps)
        {
            var result = step.Apply(View());
            Assert.Equal(6, result.Report.RowsIn);
            Assert.Equal(result.Data.RowCount, result.Report.RowsOut);
            Assert.Equal(6 - result.Report.TotalDropped + result.Report.TotalAdded, result.Data.RowCount);
        }
        var dedup = new Deduplicator().Apply(View());
        Assert.Equal(2, dedup.Report.Dropped["exact-duplicate"]); // "" duplicates null, and the repeated surrogate row
        var chunks = new TextChunker(new ChunkingOptions { MaxTokens = 512, Overlap = 0 }).Apply(View());
        Assert.True(chunks.Data.RowCount > 1000);
        Assert.Equal(Enumerable.Range(0, 6), chunks.Data.GetColumn<int>("DocumentId").Distinct());
    }

    [Fact]
    public void TheNormalizerInAPipelineHandlesBadText()
    {
        var ml = new MLContext();
        var output = InMemoryDataView.Materialize(ml.Llm().NormalizeText("Clean", "Text").Fit(View()).Transform(View()));
        var clean = output.GetTextColumn("Clean");
        Assert.Equal(["", "", "bad \uFFFD surrogate \uFFFD x"], clean.Take(3));
        Assert.StartsWith("buy cheap meds at http://x.example.com now! free 😀 buy", clean[3]);
        Assert.Equal(6, output.RowCount);
    }

    [Fact]
    public void WrongTypeColumnsFailBeforeReadingData()
    {
        var view = View();
        IRowOperation[] steps =
        [
            new Deduplicator(new DeduplicationOptions { TextColumn = "Label" }),
            new TextAugmenter(new AugmentationOptions { TextColumn = "Label" }),
            new TextChunker(new ChunkingOptions { TextColumn = "Label" }),
            new OutlierFilter(new OutlierOptions { TextLengthColumns = ["Label"] }),
        ];
        foreach (var step in steps)
        {
            var ex = Assert.Throws<ArgumentException>(() => RowOperationRunner.Apply(view, step));
            Assert.Contains("'Label'", ex.Message);
            Assert.Contains(step.Name, ex.Message);
        }
    }
}
