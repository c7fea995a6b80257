using System.Globalization;
using System.Text;

namespace MLNetLlm.Torch.Tests.Pretrained;

/// <summary>
/// An independent reference for BERT-uncased tokenization, written for these tests from the published algorithm
/// (BERT's BasicTokenizer + greedy longest-match-first WordPiece): drop NUL, U+FFFD and control characters, map
/// whitespace to spaces, space out CJK ideographs, NFC, split on whitespace, lower-case, strip accents (NFD without
/// Mn), split off punctuation (ASCII symbols and Unicode P*), then WordPiece each word ([UNK] for a word with no
/// segmentation or over 100 characters). It shares no code with the library's tokenizer or Microsoft.ML.Tokenizers.
/// </summary>
internal sealed class ReferenceWordPiece(IReadOnlyList<string> vocabulary)
{
    readonly Dictionary<string, int> _ids = vocabulary.Select((t, i) => (t, i)).GroupBy(x => x.t).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);

    public int Id(string token) => _ids[token];

    /// <summary>Word-piece ids of <paramref name="text"/>, without special tokens.</summary>
    public List<int> Tokenize(string text)
    {
        var ids = new List<int>();
        foreach (var word in BasicTokens(text)) ids.AddRange(WordPiece(word));
        return ids;
    }

    static IEnumerable<string> BasicTokens(string text)
    {
        var cleaned = new StringBuilder();
        foreach (var r in text.EnumerateRunes())
        {
            if (r.Value == 0 || r.Value == 0xFFFD) continue;
            if (r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator) { cleaned.Append(' '); continue; }
            if (IsControl(r)) continue;
            if (IsCjk(r.Value)) cleaned.Append(' ').Append(r.ToString()).Append(' ');
            else cleaned.Append(r.ToString());
        }
        foreach (var raw in cleaned.ToString().Normalize(NormalizationForm.FormC).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var decomposed = raw.ToLowerInvariant().Normalize(NormalizationForm.FormD);
            var word = new StringBuilder();
            foreach (var r in decomposed.EnumerateRunes())
            {
                if (Rune.GetUnicodeCategory(r) == UnicodeCategory.NonSpacingMark) continue;
                if (IsPunctuation(r))
                {
                    if (word.Length > 0) { yield return word.ToString(); word.Clear(); }
                    yield return r.ToString();
                }
                else word.Append(r.ToString());
            }
            if (word.Length > 0) yield return word.ToString();
        }
    }

    IEnumerable<int> WordPiece(string word)
    {
        var runes = word.EnumerateRunes().Select(r => r.ToString()).ToArray();
        if (runes.Length > 100) return [_ids["[UNK]"]];
        var pieces = new List<int>();
        int start = 0;
        while (start < runes.Length)
        {
            int end = runes.Length, found = -1;
            while (start < end)
            {
                string piece = (start > 0 ? "##" : "") + string.Concat(runes[start..end]);
                if (_ids.TryGetValue(piece, out int id)) { found = id; break; }
                end--;
            }
            if (found < 0) return [_ids["[UNK]"]];
            pieces.Add(found);
            start = end;
        }
        return pieces;
    }

    static bool IsControl(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned;

    static bool IsPunctuation(Rune r)
    {
        int c = r.Value;
        if (c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) return true;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    static bool IsCjk(int c) => c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
        or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF
        or >= 0x2F800 and <= 0x2FA1F;
}
