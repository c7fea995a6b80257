using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Tokenizers;
using MLNetLlm.Data.Languages;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Chunking;

/// <summary>
/// Splits long texts into windows of at most <see cref="ChunkingOptions.MaxTokens"/> tokens that advance by
/// MaxTokens − Overlap tokens. Each chunk is a row with the document's other columns (its label), a document id and a
/// chunk index; a text within the limit stays one row, unchanged, and an empty text stays one empty row (no row is
/// lost). Chunk text is the exact slice of the original text from its first token to its last (of the tokenizer's
/// normalized text when the tokenizer normalizes, e.g. lower-cases). A training-only row step.
/// </summary>
public sealed class TextChunker : IRowOperation
{
    readonly ChunkingOptions _options;
    readonly Tokenizer? _tokenizer;
    readonly PreTokenizer _words = PreTokenizer.CreateWordOrNonWord();

    /// <summary>Creates the step; <paramref name="options"/> null: defaults (word tokens, 256 per chunk, 16 overlap).</summary>
    public TextChunker(ChunkingOptions? options = null)
    {
        _options = options ?? new ChunkingOptions();
        _options.Validate();
        _tokenizer = _options.Tokenizer ?? (_options.VocabularyPath != null ? BertTokenizer.Create(_options.VocabularyPath) : null);
    }

    /// <inheritdoc/>
    public string Name => "Chunk";

    /// <inheritdoc/>
    public void CheckSchema(DataViewSchema schema)
    {
        RowOperationColumns.RequireText(schema, _options.TextColumnName, Name);
        if (schema.GetColumnOrNull(_options.ChunkIndexColumn) is { IsHidden: false } existing)
            throw new ArgumentException($"{Name}: the data already has a column '{existing.Name}'; choose another ChunkingOptions.ChunkIndexColumn.", nameof(schema));
    }

    /// <summary>The (start, length) character ranges of the chunks of <paramref name="text"/>, and the text they index.</summary>
    public (string Text, IReadOnlyList<(int Start, int Length)> Chunks) Split(string? text)
    {
        text ??= "";
        var tokens = Tokens(text, out string basis);
        if (tokens.Count <= _options.MaxTokens) return (text, [(0, text.Length)]);
        var chunks = new List<(int, int)>();
        int step = _options.MaxTokens - _options.Overlap;
        for (int first = 0; ; first += step)
        {
            int last = Math.Min(first + _options.MaxTokens, tokens.Count) - 1;
            int start = tokens[first].Start, end = tokens[last].End;
            chunks.Add((start, end - start));
            if (last == tokens.Count - 1) break;
        }
        return (basis, chunks);
    }

    List<(int Start, int End)> Tokens(string text, out string basis)
    {
        basis = text;
        var result = new List<(int, int)>();
        if (_options.Unit == ChunkUnit.Character)
        {
            foreach (var (start, length) in Characters(text)) result.Add((start, start + length));
            return result;
        }
        if (_options.Unit == ChunkUnit.Word)
        {
            foreach (var (start, length) in (_options.Segmenter ?? CharacterWordSegmenter.Instance).Segment(text)) result.Add((start, start + length));
            return result;
        }
        if (_tokenizer == null)
        {
            foreach (var (offset, length) in _words.PreTokenize(text)) result.Add((offset, offset + length));
            return result;
        }
        var tokens = _tokenizer.EncodeToTokens(text, out string? normalized);
        basis = normalized ?? text;
        foreach (var t in tokens)
        {
            var (offset, length) = t.Offset.GetOffsetAndLength(basis.Length);
            if (length > 0) result.Add((offset, offset + length)); // special tokens ([CLS], [SEP]) cover no text
        }
        return result;
    }

    /// <summary>Visible characters: a code point with the combining marks, variation selectors and joiners that follow it.</summary>
    static IEnumerable<(int Start, int Length)> Characters(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            System.Text.Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int n);
            if (System.Text.Rune.IsWhiteSpace(rune)) { i += n; continue; }
            int start = i;
            i += n;
            while (i < text.Length)
            {
                System.Text.Rune.DecodeFromUtf16(text.AsSpan(i), out var next, out int m);
                var cat = System.Text.Rune.GetUnicodeCategory(next);
                bool joins = cat is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.EnclosingMark
                    or System.Globalization.UnicodeCategory.SpacingCombiningMark || next.Value is (>= 0xFE00 and <= 0xFE0F) or (>= 0x1F3FB and <= 0x1F3FF) or 0x200D;
                if (!joins && !(i > 0 && text[i - 1] == '\u200D')) break;
                i += m;
            }
            yield return (start, i - start);
        }
    }

    /// <inheritdoc/>
    public RowOperationResult Apply(IDataView data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckSchema(data.Schema);
        var view = InMemoryDataView.Materialize(data);
        var texts = view.GetColumn<ReadOnlyMemory<char>>(_options.TextColumnName);
        var splits = new (string Text, IReadOnlyList<(int Start, int Length)> Chunks)[view.RowCount];
        Parallel.For(0, view.RowCount, i => splits[i] = Split(texts[i].ToString()));

        var rows = new List<int>();
        var chunkTexts = new List<ReadOnlyMemory<char>>();
        var chunkIndex = new List<int>();
        int longDocuments = 0;
        for (int r = 0; r < splits.Length; r++)
        {
            var (basis, chunks) = splits[r];
            if (chunks.Count > 1) longDocuments++;
            for (int c = 0; c < chunks.Count; c++)
            {
                rows.Add(r);
                chunkTexts.Add(chunks.Count == 1 ? texts[r] : basis.AsMemory(chunks[c].Start, chunks[c].Length));
                chunkIndex.Add(c);
            }
        }
        var result = view.SelectRows(rows).WithColumn(_options.TextColumnName, TextDataViewType.Instance, chunkTexts.ToArray());
        if (view.Schema.GetColumnOrNull(_options.DocumentIdColumn) is not { IsHidden: false })
            result = result.WithColumn(_options.DocumentIdColumn, NumberDataViewType.Int32, rows.ToArray());
        result = result.WithColumn(_options.ChunkIndexColumn, NumberDataViewType.Int32, chunkIndex.ToArray());
        var report = new RowOperationReport(Name, view.RowCount, result.RowCount,
            added: new Dictionary<string, int> { ["extra-chunks"] = result.RowCount - view.RowCount },
            details: new Dictionary<string, string>
            {
                ["split-documents"] = longDocuments.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["window"] = $"{_options.MaxTokens}/{_options.Overlap}",
                ["tokenizer"] = _options.Unit switch
                {
                    ChunkUnit.Character => "characters",
                    ChunkUnit.Word => (_options.Segmenter ?? CharacterWordSegmenter.Instance).Name,
                    _ => _tokenizer?.GetType().Name ?? "word-or-non-word",
                },
            });
        return new RowOperationResult(result, report);
    }
}
