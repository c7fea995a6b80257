using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace MLNetLlm.Torch.Tokenization;

/// <summary>
/// BERT WordPiece tokenization of single texts and text pairs into padded batches, on top of Microsoft.ML.Tokenizers'
/// <see cref="BertTokenizer"/>: <c>[CLS] a [SEP]</c> / <c>[CLS] a [SEP] b [SEP]</c>, token types 0/1, HF's
/// <c>longest_first</c> truncation, and padding to the longest row or to a fixed length.
/// </summary>
public sealed class BertTextTokenizer
{
    readonly BertTokenizer _tokenizer;
    readonly Dictionary<string, int> _specialIds;

    BertTextTokenizer(IReadOnlyList<string> vocabulary, bool lowerCase, bool stripAccents, bool splitCjk)
    {
        Vocabulary = vocabulary;
        LowerCase = lowerCase;
        StripAccents = stripAccents;
        SplitCjk = splitCjk;
        using var ms = new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", vocabulary) + "\n"));
        _tokenizer = BertTokenizer.Create(ms, new BertOptions
        {
            // BERT's normalisation is ours (tabs and newlines are whitespace; accent stripping decomposes for good):
            // see BertTextNormalizer for where ML.Tokenizers' own differs.
            Normalizer = new BertTextNormalizer(lowerCase, stripAccents, splitCjk),
            LowerCaseBeforeTokenization = lowerCase,
            RemoveNonSpacingMarks = stripAccents,
            IndividuallyTokenizeCjk = splitCjk,
            // With a pre-tokeniser of its own, ML.Tokenizers no longer finds special tokens in a text ("[MASK]" became
            // [UNK] [UNK] [UNK]): Tokenize splits them off first.
            PreTokenizer = BertPreTokenizer.Instance,
        });
        ClsId = _tokenizer.ClassificationTokenId;
        SepId = _tokenizer.SeparatorTokenId;
        PadId = _tokenizer.PaddingTokenId;
        _specialIds = new(StringComparer.Ordinal)
        {
            ["[PAD]"] = PadId, ["[UNK]"] = _tokenizer.UnknownTokenId, ["[CLS]"] = ClsId, ["[SEP]"] = SepId,
            ["[MASK]"] = _tokenizer.MaskingTokenId,
        };
    }

    /// <summary>The vocabulary, index = token id.</summary>
    public IReadOnlyList<string> Vocabulary { get; }
    public bool LowerCase { get; }
    public bool StripAccents { get; }
    public bool SplitCjk { get; }
    public int ClsId { get; }
    public int SepId { get; }
    public int PadId { get; }

    /// <summary>Creates a tokenizer from vocabulary lines (must contain [PAD], [UNK], [CLS], [SEP], [MASK]).</summary>
    /// <param name="stripAccents">Null: strip exactly when lower-casing (BERT's rule).</param>
    public static BertTextTokenizer Create(IReadOnlyList<string> vocabulary, bool lowerCase = true, bool? stripAccents = null, bool splitCjk = true)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        foreach (var special in WordPieceVocabularyBuilder.SpecialTokens)
            if (!vocabulary.Contains(special))
                throw new FormatException($"The vocabulary has no '{special}' token.");
        return new BertTextTokenizer(vocabulary.ToArray(), lowerCase, stripAccents ?? lowerCase, splitCjk);
    }

    /// <summary>
    /// Loads <c>vocab.txt</c> from a HF model directory; case and accent handling come from <c>tokenizer.json</c>'s
    /// BertNormalizer or <c>tokenizer_config.json</c> (<c>do_lower_case</c>, <c>strip_accents</c>,
    /// <c>tokenize_chinese_chars</c>) when present, else BERT-uncased defaults.
    /// </summary>
    public static BertTextTokenizer FromDirectory(string directory)
    {
        string vocabPath = Path.Combine(directory, "vocab.txt");
        if (!File.Exists(vocabPath)) throw new FileNotFoundException($"'{directory}' has no vocab.txt.", vocabPath);
        // HF numbers every line (readlines, then the newline stripped): a blank line is the empty token at its id.
        var vocabList = File.ReadAllLines(vocabPath, Encoding.UTF8);
        bool lower = true, cjk = true;
        bool? strip = null;
        string tokJson = Path.Combine(directory, "tokenizer.json"), tokConfig = Path.Combine(directory, "tokenizer_config.json");
        if (File.Exists(tokJson) && JsonNode.Parse(File.ReadAllText(tokJson))?["normalizer"] is JsonObject n && (string?)n["type"] == "BertNormalizer")
        {
            lower = n["lowercase"]?.GetValue<bool>() ?? true;
            strip = n["strip_accents"]?.GetValue<bool?>();
            cjk = n["handle_chinese_chars"]?.GetValue<bool>() ?? true;
        }
        else if (File.Exists(tokConfig) && JsonNode.Parse(File.ReadAllText(tokConfig)) is JsonObject tc)
        {
            lower = tc["do_lower_case"]?.GetValue<bool>() ?? true;
            strip = tc["strip_accents"]?.GetValue<bool?>();
            cjk = tc["tokenize_chinese_chars"]?.GetValue<bool>() ?? true;
        }
        return Create(vocabList, lower, strip, cjk);
    }

    /// <summary>Writes <c>vocab.txt</c> (and a <c>tokenizer_config.json</c> with the case settings) into <paramref name="directory"/>.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "vocab.txt"), string.Join("\n", Vocabulary) + "\n", new UTF8Encoding(false));
        var config = new JsonObject
        {
            ["tokenizer_class"] = "BertTokenizer",
            ["do_lower_case"] = LowerCase,
            ["strip_accents"] = StripAccents == LowerCase ? null : StripAccents,
            ["tokenize_chinese_chars"] = SplitCjk,
            ["unk_token"] = "[UNK]",
            ["sep_token"] = "[SEP]",
            ["pad_token"] = "[PAD]",
            ["cls_token"] = "[CLS]",
            ["mask_token"] = "[MASK]",
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString(new() { WriteIndented = true }));
    }

    /// <summary>
    /// WordPiece ids of <paramref name="text"/>, at most <paramref name="maxTokens"/> of them, without the <c>[CLS]</c> and
    /// <c>[SEP]</c> a row gets. A special token written in the text (<c>[MASK]</c>, <c>[SEP]</c>, …, exactly as spelled in
    /// the vocabulary) is its one id, as in HF, which matches special tokens in the raw text before normalising it.
    /// </summary>
    public IReadOnlyList<int> Tokenize(string text, int maxTokens = int.MaxValue)
    {
        // Every special token starts with '[': one vectorised scan spares most texts the five searches below.
        string special = "";
        int at = text.Contains('[') ? IndexOfSpecial(text, 0, out special) : -1;
        if (at < 0) return Words(text, maxTokens);
        var ids = new List<int>();
        int start = 0;
        while (ids.Count < maxTokens)
        {
            int end = at < 0 ? text.Length : at;
            if (end > start) ids.AddRange(Words(text[start..end], maxTokens - ids.Count));
            if (at < 0 || ids.Count >= maxTokens) break;
            ids.Add(_specialIds[special]);
            start = at + special.Length;
            at = IndexOfSpecial(text, start, out special);
        }
        return ids;
    }

    IReadOnlyList<int> Words(string text, int maxTokens) =>
        maxTokens == int.MaxValue
            ? _tokenizer.EncodeToIds(text, addSpecialTokens: false)
            : _tokenizer.EncodeToIds(text, maxTokens, addSpecialTokens: false, out _, out _);

    /// <summary>Where the leftmost special token at or after <paramref name="from"/> starts (−1: none). No BERT special
    /// token begins another, so two never start at the same place.</summary>
    int IndexOfSpecial(string text, int from, out string special)
    {
        special = "";
        int best = -1;
        foreach (var token in _specialIds.Keys)
        {
            int i = text.IndexOf(token, from, StringComparison.Ordinal);
            if (i >= 0 && (best < 0 || i < best)) { best = i; special = token; }
        }
        return best;
    }

    /// <summary>
    /// Encodes texts (and, when given, their pair texts) into one batch, each row at most <paramref name="maxLength"/>
    /// tokens including specials; rows are padded to the longest row, or to <paramref name="maxLength"/> when
    /// <paramref name="padToMaxLength"/>.
    /// </summary>
    public EncodedBatch Encode(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs, int maxLength, bool padToMaxLength = false)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (pairs != null && pairs.Count != texts.Count)
            throw new ArgumentException($"{texts.Count} texts but {pairs.Count} pair texts.", nameof(pairs));
        var rows = new EncodedRow[texts.Count];
        for (int i = 0; i < rows.Length; i++) rows[i] = EncodeRow(texts[i], pairs?[i], maxLength);
        return Collate(rows, padToMaxLength ? maxLength : 0);
    }

    /// <summary>One row with specials and truncation, unpadded.</summary>
    internal EncodedRow EncodeRow(string? text, string? pair, int maxLength)
    {
        int specials = pair == null ? 2 : 3;
        if (maxLength < specials + 1) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"maxLength must be at least {specials + 1}.");
        int budget = maxLength - specials;
        var a = Tokenize(text ?? "", budget);
        int la = a.Count, lb = 0;
        IReadOnlyList<int> b = [];
        if (pair != null)
        {
            b = Tokenize(pair, budget);
            lb = b.Count;
            // HF longest_first: remove one token at a time from the longer sequence (the second one on ties).
            while (la + lb > budget)
            {
                if (la > lb) la--; else lb--;
            }
        }
        int n = la + lb + specials;
        var ids = new int[n];
        var types = new byte[n];
        int k = 0;
        ids[k++] = ClsId;
        for (int i = 0; i < la; i++) ids[k++] = a[i];
        ids[k++] = SepId;
        if (pair != null)
        {
            for (int i = 0; i < lb; i++) { types[k] = 1; ids[k++] = b[i]; }
            types[k] = 1;
            ids[k++] = SepId;
        }
        return new EncodedRow(ids, types);
    }

    /// <summary>Pads rows to the longest (or to <paramref name="padTo"/> when larger) into one batch.</summary>
    internal EncodedBatch Collate(IReadOnlyList<EncodedRow> rows, int padTo = 0)
    {
        int length = Math.Max(padTo, rows.Count == 0 ? 0 : rows.Max(r => r.Ids.Length));
        var ids = new long[rows.Count * length];
        var mask = new long[rows.Count * length];
        var types = new long[rows.Count * length];
        if (PadId != 0) Array.Fill(ids, PadId);
        for (int r = 0; r < rows.Count; r++)
        {
            int o = r * length;
            var row = rows[r];
            for (int k = 0; k < row.Ids.Length; k++)
            {
                ids[o + k] = row.Ids[k];
                mask[o + k] = 1;
                types[o + k] = row.Types[k];
            }
        }
        return new EncodedBatch(ids, mask, types, rows.Count, length);
    }
}

/// <summary>One tokenized row: ids with specials and token types, unpadded.</summary>
internal sealed record EncodedRow(int[] Ids, byte[] Types);
