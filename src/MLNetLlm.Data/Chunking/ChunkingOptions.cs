using System.ComponentModel;
using System.Text.Json.Serialization;
using Microsoft.ML.Tokenizers;
using MLNetLlm.Data.Languages;
using MLNetLlm.SearchSpaces;

namespace MLNetLlm.Data.Chunking;

/// <summary>
/// Options of <see cref="TextChunker"/>. Tokens come from <see cref="Tokenizer"/> if set, else from a BERT WordPiece
/// tokenizer built from <see cref="VocabularyPath"/>, else from Microsoft.ML.Tokenizers' word-or-non-word
/// pre-tokenizer (runs of letters/digits/underscore, and runs of other non-space characters).
/// </summary>
public sealed class ChunkingOptions
{
    /// <summary>The text column to split. Default "Text".</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>The former name of <see cref="TextColumnName"/> (ML.NET names column options <c>…ColumnName</c>); kept so existing code compiles.</summary>
    [EditorBrowsable(EditorBrowsableState.Never), JsonIgnore]
    public string TextColumn { get => TextColumnName; set => TextColumnName = value; }

    /// <summary>Tokens per chunk at most. Default 256; range 32–512.</summary>
    [Range(32, 512, logBase: true)]
    public int MaxTokens { get; set; } = 256;

    /// <summary>Tokens shared by consecutive chunks (the window advances by MaxTokens − Overlap). Default 16; 0 ≤ Overlap &lt; MaxTokens (the search range, 0–31, stays below the smallest searched MaxTokens).</summary>
    [Range(0, 31)]
    public int Overlap { get; set; } = 16;

    /// <summary>
    /// The document id column. When the data has it, its value is copied to every chunk of the row; otherwise it is
    /// added (Int32, the row's position in the input). Default "DocumentId".
    /// </summary>
    public string DocumentIdColumn { get; set; } = "DocumentId";

    /// <summary>The column added for the chunk's position in its document (Int32, from 0). Default "ChunkIndex".</summary>
    public string ChunkIndexColumn { get; set; } = "ChunkIndex";

    /// <summary>A BERT vocab.txt (one token per line) for WordPiece token counts; null: see <see cref="Tokenizer"/>.</summary>
    public string? VocabularyPath { get; set; }

    /// <summary>Any Microsoft.ML.Tokenizers tokenizer (overrides <see cref="VocabularyPath"/>).</summary>
    [JsonIgnore]
    public Tokenizer? Tokenizer { get; set; }

    /// <summary>
    /// What a chunk's size counts: tokens (default), characters or segmented words; <see cref="MaxTokens"/> and
    /// <see cref="Overlap"/> are in this unit and the window advances by MaxTokens − Overlap units in every case.
    /// </summary>
    public ChunkUnit Unit { get; set; } = ChunkUnit.Token;

    /// <summary>With <see cref="ChunkUnit.Word"/>: the word segmenter (null: <see cref="CharacterWordSegmenter"/>).</summary>
    [JsonIgnore]
    public IWordSegmenter? Segmenter { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(TextColumnName)) throw new ArgumentException("ChunkingOptions.TextColumnName must name a column.", nameof(TextColumnName));
        if (MaxTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "MaxTokens must be at least 1 (typical 128–512).");
        if (Overlap < 0 || Overlap >= MaxTokens) throw new ArgumentOutOfRangeException(nameof(Overlap), Overlap, $"Overlap must be in 0..{MaxTokens - 1} (below MaxTokens).");
        if (string.IsNullOrWhiteSpace(DocumentIdColumn) || string.IsNullOrWhiteSpace(ChunkIndexColumn)) throw new ArgumentException("ChunkingOptions: DocumentIdColumn and ChunkIndexColumn must be names.");
        if (DocumentIdColumn == TextColumnName || ChunkIndexColumn == TextColumnName || DocumentIdColumn == ChunkIndexColumn) throw new ArgumentException("ChunkingOptions: TextColumnName, DocumentIdColumn and ChunkIndexColumn must differ.");
        if (!Enum.IsDefined(Unit)) throw new ArgumentOutOfRangeException(nameof(Unit), Unit, "ChunkingOptions.Unit must be Token, Character or Word.");
        if (Unit != ChunkUnit.Token && (Tokenizer != null || VocabularyPath != null))
            throw new ArgumentException($"ChunkingOptions.Unit is {Unit}: Tokenizer and VocabularyPath apply to Unit = Token only.", nameof(Unit));
        if (Segmenter != null && Unit != ChunkUnit.Word) throw new ArgumentException("ChunkingOptions.Segmenter applies to Unit = Word only.", nameof(Segmenter));
        if (VocabularyPath != null && Tokenizer == null && !File.Exists(VocabularyPath)) throw new FileNotFoundException($"Vocabulary file '{VocabularyPath}' does not exist.", VocabularyPath);
    }
}
