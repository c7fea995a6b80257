using System.Globalization;
using System.Text;

namespace MLNetLlm.Data.Safety;

/// <summary>
/// The normal form lexicon terms and input texts are compared in: Unicode NFKC (full-width Ａ → A, ligatures, compatibility
/// forms), lower case (invariant), accents removed (NFD, Latin/Greek/Cyrillic combining diacritics dropped: é → e; kana voicing marks kept), and every run of white space
/// one space. Word boundaries are checked in this form; CJK characters (Han, kana, Hangul) have none, so a CJK term
/// matches inside a run of CJK text and a Latin term next to CJK characters still matches.
/// </summary>
internal static class MatchText
{
    public static string Normalize(string text, bool ignoreCase = true, bool ignoreAccents = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Normalize(NormalizationForm.FormKC);
        if (ignoreAccents)
        {
            var d = s.Normalize(NormalizationForm.FormD);
            var sb = new StringBuilder(d.Length);
            foreach (char c in d)
                if (!IsAccent(c)) sb.Append(c);
            s = sb.ToString().Normalize(NormalizationForm.FormC);
        }
        if (ignoreCase) s = s.ToLowerInvariant();
        var result = new StringBuilder(s.Length);
        bool space = false;
        foreach (char c in s)
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }
            if (space && result.Length > 0) result.Append(' ');
            space = false;
            result.Append(c);
        }
        return result.ToString();
    }

    /// <summary>
    /// Combining diacritics of Latin, Greek and Cyrillic (U+0300–036F and the extended/supplement/symbol blocks); kana
    /// voicing marks (U+3099/309A) and other scripts' vowel signs are kept, since they change the word.
    /// </summary>
    static bool IsAccent(char c) => c is >= '\u0300' and <= '\u036F' or >= '\u1AB0' and <= '\u1AFF' or >= '\u1DC0' and <= '\u1DFF'
        or >= '\u20D0' and <= '\u20FF' or >= '\uFE20' and <= '\uFE2F';

    /// <summary>Whether <paramref name="c"/> belongs to a script written without spaces between words.</summary>
    public static bool IsCjk(char c) =>
        c is >= '\u3040' and <= '\u30FF'    // Hiragana, Katakana
            or >= '\u3400' and <= '\u4DBF'  // CJK Extension A
            or >= '\u4E00' and <= '\u9FFF'  // CJK Unified Ideographs
            or >= '\uAC00' and <= '\uD7AF'  // Hangul syllables
            or >= '\uF900' and <= '\uFAFF'  // CJK compatibility ideographs
            or >= '\u3100' and <= '\u312F'  // Bopomofo
            || char.IsSurrogate(c);         // supplementary ideographs (Extension B+) are surrogate pairs

    static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_' || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark;

    /// <summary>
    /// Every start index where <paramref name="term"/> (already normalized) occurs in <paramref name="text"/> (normalized)
    /// on word boundaries: the characters around the occurrence are not letters/digits, unless the term's edge or its
    /// neighbour is CJK. Occurrences may overlap each other.
    /// </summary>
    public static IEnumerable<int> Find(string text, string term)
    {
        if (term.Length == 0) yield break;
        for (int at = text.IndexOf(term, StringComparison.Ordinal); at >= 0; at = at + 1 < text.Length ? text.IndexOf(term, at + 1, StringComparison.Ordinal) : -1)
        {
            int end = at + term.Length;
            bool startOk = at == 0 || !IsWordChar(text[at - 1]) || !IsWordChar(term[0]) || IsCjk(text[at - 1]) || IsCjk(term[0]);
            bool endOk = end == text.Length || !IsWordChar(text[end]) || !IsWordChar(term[^1]) || IsCjk(text[end]) || IsCjk(term[^1]);
            if (startOk && endOk) yield return at;
        }
    }
}
