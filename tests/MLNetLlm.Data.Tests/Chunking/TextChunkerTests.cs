using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Chunking;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.Chunking;

public class TextChunkerTests
{
    static InMemoryDataView View(params (string Text, bool Label)[] rows) => InMemoryDataView.FromColumns(
        ("Text", TextDataViewType.Instance, rows.Select(r => r.Text.AsMemory()).ToArray()),
        ("Label", BooleanDataViewType.Instance, rows.Select(r => r.Label).ToArray()));

    [Fact]
    public void SplitsIntoOverlappingWordWindowsKeepingLabelAndDocumentId()
    {
        string longText = string.Join(' ', Enumerable.Range(0, 25).Select(i => $"w{i}"));
        var result = new TextChunker(new ChunkingOptions { MaxTokens = 10, Overlap = 3 }).Apply(View((longText, true), ("short one", false), ("", false)));
        var texts = result.Data.GetTextColumn("Text");
        Assert.Equal(["w0 w1 w2 w3 w4 w5 w6 w7 w8 w9", "w7 w8 w9 w10 w11 w12 w13 w14 w15 w16", "w14 w15 w16 w17 w18 w19 w20 w21 w22 w23", "w21 w22 w23 w24", "short one", ""], texts);
        Assert.Equal([0, 0, 0, 0, 1, 2], result.Data.GetColumn<int>("DocumentId"));
        Assert.Equal([0, 1, 2, 3, 0, 0], result.Data.GetColumn<int>("ChunkIndex"));
        Assert.Equal([true, true, true, true, false, false], result.Data.GetColumn<bool>("Label"));
        Assert.Equal(3, result.Report.Added["extra-chunks"]);
        Assert.Equal(6, result.Report.RowsOut);
    }

    [Fact]
    public void UsesABertVocabularyWhenGiven()
    {
        string vocab = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(vocab, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "free", "money", "##s", "now", "!"]);
            var chunker = new TextChunker(new ChunkingOptions { MaxTokens = 3, Overlap = 1, VocabularyPath = vocab });
            var (basis, chunks) = chunker.Split("Free moneys now! free money");
            // tokens: free money ##s now ! free money → windows of 3 advancing by 2
            Assert.Equal(["free moneys", "s now!", "! free money"], chunks.Select(c => basis.Substring(c.Start, c.Length)));
        }
        finally { File.Delete(vocab); }
    }

    [Fact]
    public void KeepsAnExistingDocumentIdAndRejectsBadOptions()
    {
        var view = View(("a b c d e", true)).WithColumn("DocumentId", TextDataViewType.Instance, ["mail-7".AsMemory()]);
        var result = new TextChunker(new ChunkingOptions { MaxTokens = 2, Overlap = 0 }).Apply(view);
        Assert.Equal(["mail-7", "mail-7", "mail-7"], result.Data.GetTextColumn("DocumentId"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextChunker(new ChunkingOptions { MaxTokens = 4, Overlap = 4 }));
        Assert.Throws<FileNotFoundException>(() => new TextChunker(new ChunkingOptions { VocabularyPath = "/no/vocab.txt" }));
        Assert.Contains("'Body'", Assert.Throws<ArgumentOutOfRangeException>(() => new TextChunker(new ChunkingOptions { TextColumn = "Body" }).Apply(view)).Message);
    }
}
