using System.Globalization;
using System.Text;

namespace MLNetLlm.Torch.Tokenization;

/// <summary>
/// BERT's text clean-up for vocabulary learning (the same steps as HF's BertNormalizer): drop control characters
/// (and lone surrogates),
/// whitespace (tab, newline and carriage return included) to spaces, spaces around CJK ideographs, optional
/// lower-casing, optional accent stripping (NFD, drop Mn — which also decomposes Hangul syllables into jamo, as BERT does).
/// </summary>
/// <remarks>
/// Used as Microsoft.ML.Tokenizers' normaliser too: its own BertNormalizer (2.0.1) drops tabs and newlines as control
/// characters, also drops Mc marks, and re-composes (NFC) after stripping, which turns Hangul jamo back into
/// syllables BERT never saw.
/// </remarks>
internal sealed class BertTextNormalizer(bool lowerCase, bool? stripAccents = null, bool splitCjk = true) : Microsoft.ML.Tokenizers.Normalizer
{
    readonly bool _strip = stripAccents ?? lowerCase;

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());

    public override string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\0' || c == '\uFFFD') continue;
            if (c is '\t' or '\n' or '\r' || char.IsWhiteSpace(c)) { sb.Append(' '); continue; }
            var cat = char.GetUnicodeCategory(c);
            if (cat is UnicodeCategory.Control or UnicodeCategory.Format) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                bool cjk = splitCjk && IsCjk(char.ConvertToUtf32(c, text[i + 1]));
                if (cjk) sb.Append(' ');
                sb.Append(c).Append(text[++i]);
                if (cjk) sb.Append(' ');
                continue;
            }
            // A lone surrogate is no character (a UTF-8 decoder makes it U+FFFD, which BERT drops); left in, it would
            // make string.Normalize throw when accents are stripped.
            if (char.IsSurrogate(c)) continue;
            if (splitCjk && IsCjk(c)) { sb.Append(' ').Append(c).Append(' '); continue; }
            sb.Append(c);
        }
        string s = sb.ToString();
        if (lowerCase) s = s.ToLowerInvariant();
        if (!_strip) return s;
        s = s.Normalize(NormalizationForm.FormD);
        sb.Clear();
        foreach (char c in s)
            if (char.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) sb.Append(c);
        return sb.ToString();
    }

    internal static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
