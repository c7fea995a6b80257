using Microsoft.ML;
using MLNetLlm.Data.Chunking;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using Microsoft.ML.Data;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.RealData;

/// <summary>The steps on the shipped SpamAssassin sample (raw e-mails with headers, MIME, HTML).</summary>
public class SpamSampleTests
{
    static readonly TextNormalizerOptions Email = new() { StripEmailHeaders = true, MaskUrls = true, MaskEmails = true, MaskNumbers = true };

    [Fact]
    public void EmailNormalizationDropsHeadersDecodesBodiesAndIsIdempotent()
    {
        var texts = RepoFiles.SpamTrain.Column("Text");
        Assert.Equal(400, texts.Length);
        int withHeaders = texts.Count(t => t.Contains("\nReceived: ", StringComparison.Ordinal));
        Assert.True(withHeaders > 300, $"the sample has raw headers ({withHeaders})");
        var clean = texts.Select(t => TextNormalizer.Normalize(t, Email)).ToArray();
        // header lines survive only where a body quotes a forwarded message
        Assert.True(clean.Count(c => c.Contains("received: from", StringComparison.Ordinal)) <= 8);
        Assert.DoesNotContain(clean, c => c.StartsWith("return-path", StringComparison.Ordinal) || c.StartsWith("received:", StringComparison.Ordinal));
        Assert.DoesNotContain(clean, c => c.Contains("<html", StringComparison.Ordinal) || c.Contains("&nbsp;", StringComparison.Ordinal));
        Assert.True(clean.Count(c => c.Contains("[url]", StringComparison.Ordinal)) > 100);
        Assert.True(clean.Sum(c => (long)c.Length) < texts.Sum(t => (long)t.Length) * 0.7, "headers are a large share of raw mails");
        Assert.All(clean, c => Assert.Equal(c, TextNormalizer.Normalize(c, Email)));
        Assert.True(clean.Count(c => c.Length == 0) <= 2, "almost every mail keeps a body");
    }

    [Fact]
    public void DedupOfTheSampleKeepsASubsetAndReportsEveryDroppedRow()
    {
        var view = LabelledView(RepoFiles.SpamTrain.Column("Text"), RepoFiles.SpamTrain.Column("Label"));
        var result = new Deduplicator(new DeduplicationOptions { Normalization = new TextNormalizerOptions { StripEmailHeaders = true } }).Apply(view);
        Assert.Equal(400, result.Report.RowsIn);
        Assert.Equal(result.Data.RowCount, result.Report.RowsOut);
        Assert.Equal(400 - result.Data.RowCount, result.Report.TotalDropped);
        var raw = new HashSet<string>(RepoFiles.SpamTrain.Column("Text"));
        Assert.All(result.Data.GetTextColumn("Text"), t => Assert.Contains(t, raw));
        Assert.True(result.Report.TotalDropped > 0, "the SpamAssassin sample has repeated mailing-list and spam bodies");
    }

    [Fact]
    public void ChunkingRealMailsWithTheBertVocabularyKeepsEveryMail()
    {
        var texts = RepoFiles.SpamTrain.Column("Text").Take(40).Select(t => TextNormalizer.Normalize(t, Email)).ToArray();
        var view = LabelledView(texts, RepoFiles.SpamTrain.Column("Label").Take(40).ToArray());
        var result = new TextChunker(new ChunkingOptions { MaxTokens = 64, Overlap = 8, VocabularyPath = RepoFiles.BertVocabulary }).Apply(view);
        var ids = result.Data.GetColumn<int>("DocumentId");
        Assert.Equal(Enumerable.Range(0, 40), ids.Distinct());
        Assert.True(result.Data.RowCount > 60, $"long mails were split ({result.Data.RowCount} chunks)");
        var labels = result.Data.GetColumn<bool>("Label");
        var originalLabels = view.GetColumn<bool>("Label");
        for (int i = 0; i < ids.Length; i++) Assert.Equal(originalLabels[ids[i]], labels[i]);
    }

    static InMemoryDataView LabelledView(IReadOnlyList<string> texts, IReadOnlyList<string> labels) =>
        InMemoryDataView.FromColumns(
            ("Text", TextDataViewType.Instance, texts.Select(t => t.AsMemory()).ToArray()),
            ("Label", BooleanDataViewType.Instance, labels.Select(l => l == "spam").ToArray()));
}
