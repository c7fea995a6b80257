using System.Globalization;
using System.Text;

namespace MLNetLlm.Data.Languages;

/// <summary>
/// A segmenter without a dictionary: each Han ideograph or kana is a word; a run of other letters, digits and combining
/// marks (a Latin or Cyrillic word, a number) is a word; every other visible character (punctuation, a symbol, an emoji
/// with its modifiers) is a word of its own. Surrogate pairs are never split. Thread-safe.
/// </summary>
public sealed class CharacterWordSegmenter : IWordSegmenter
{
    /// <summary>The one instance.</summary>
    public static CharacterWordSegmenter Instance { get; } = new();

    CharacterWordSegmenter() { }

    /// <inheritdoc/>
    public string Name => "characters";

    /// <inheritdoc/>
    public IReadOnlyList<(int Start, int Length)> Segment(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<(int, int)>();
        int i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int n);
            if (Rune.IsWhiteSpace(rune)) { i += n; continue; }
            int start = i;
            i += n;
            if (IsCjk(rune.Value)) { i = SkipMarks(text, i); words.Add((start, i - start)); continue; }
            if (Rune.IsLetterOrDigit(rune))
            {
                while (i < text.Length)
                {
                    Rune.DecodeFromUtf16(text.AsSpan(i), out var next, out int m);
                    var cat = Rune.GetUnicodeCategory(next);
                    bool mark = cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
                    if (IsCjk(next.Value) || !(Rune.IsLetterOrDigit(next) || mark || next.Value is '\'' or '_')) break;
                    i += m;
                }
                words.Add((start, i - start));
                continue;
            }
            i = SkipMarks(text, i);
            words.Add((start, i - start));
        }
        return words;
    }

    static bool IsCjk(int v) => ScriptDetector.IsHan(v) || v is (>= 0x3040 and <= 0x30FF) or (>= 0x31F0 and <= 0x31FF);

    /// <summary>Skips combining marks, variation selectors, zero-width joiners (and what they join) and skin-tone modifiers.</summary>
    static int SkipMarks(string text, int i)
    {
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out var r, out int m);
            var cat = Rune.GetUnicodeCategory(r);
            if (r.Value == 0x200D && i + m < text.Length)
            {
                Rune.DecodeFromUtf16(text.AsSpan(i + m), out _, out int joined);
                i += m + joined;
                continue;
            }
            if (cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark
                || r.Value is (>= 0xFE00 and <= 0xFE0F) or (>= 0x1F3FB and <= 0x1F3FF) or (>= 0xE0020 and <= 0xE007F))
            {
                i += m;
                continue;
            }
            break;
        }
        return i;
    }
}
