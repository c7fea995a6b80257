using System.Globalization;
using System.Text;

namespace MLNetLlm.Torch.Tokenization;

/// <summary>
/// BERT's text clean-up for vocabulary learning (the same steps as HF's BertNormalizer): drop control characters,
/// whitespace to spaces, spaces around CJK ideographs, optional lower-casing with accent stripping (NFD, drop Mn).
/// </summary>
internal sealed class BertTextNormalizer(bool lowerCase)
{
    public string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\0' || c == '\uFFFD') continue;
            if (c is '\t' or '\n' or '\r' || char.IsWhiteSpace(c)) { sb.Append(' '); continue; }
            var cat = char.GetUnicodeCategory(c);
            if (cat is UnicodeCategory.Control or UnicodeCategory.Format) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && IsCjk(char.ConvertToUtf32(c, text[i + 1])))
            {
                sb.Append(' ').Append(c).Append(text[++i]).Append(' ');
                continue;
            }
            if (IsCjk(c)) { sb.Append(' ').Append(c).Append(' '); continue; }
            sb.Append(c);
        }
        string s = sb.ToString();
        if (!lowerCase) return s;
        s = s.ToLowerInvariant().Normalize(NormalizationForm.FormD);
        sb.Clear();
        foreach (char c in s)
            if (char.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) sb.Append(c);
        return sb.ToString();
    }

    internal static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
