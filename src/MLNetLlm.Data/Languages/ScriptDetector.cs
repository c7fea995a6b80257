using System.Globalization;
using System.Text;

namespace MLNetLlm.Data.Languages;

/// <summary>
/// Tells Chinese from alphabetic text by script: a text is Chinese when Han ideographs make up at least
/// <see cref="ChineseShare"/> of its letters (each ideograph and each Latin/Cyrillic/… letter counts once) and Japanese
/// kana are under 5 % of them (kana mark Japanese, which is not handled as Chinese). Digits, punctuation, emoji and
/// white space do not count. Cheap (one pass) and deterministic.
/// </summary>
public static class ScriptDetector
{
    /// <summary>The share of Han characters among the letters above which a text is Chinese: 0.3.</summary>
    public const double ChineseShare = 0.3;

    /// <summary>The language of one text (<see cref="TextLanguage.English"/> when it has no letter at all).</summary>
    /// <example><code>ScriptDetector.Detect("我喜欢用 iPhone 拍照") // Chinese (6 Han of 12 letters); "I love 北京" → English (2 of 7)</code></example>
    public static TextLanguage Detect(string? text)
    {
        var counts = default(Counts);
        counts.Add(text);
        return counts.Language;
    }

    /// <summary>The language of a collection (letters counted over all texts; <paramref name="maxTexts"/> first texts at most).</summary>
    public static TextLanguage Detect(IEnumerable<string?> texts, int maxTexts = 1000)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var counts = default(Counts);
        foreach (var t in texts.Take(maxTexts)) counts.Add(t);
        return counts.Language;
    }

    /// <summary>Resolves <see cref="TextLanguage.Auto"/> for <paramref name="text"/>; other values are returned as they are.</summary>
    public static TextLanguage Resolve(TextLanguage language, string? text) => language == TextLanguage.Auto ? Detect(text) : language;

    /// <summary>Whether the code point is a Han ideograph (CJK unified, extensions A–H, compatibility ideographs).</summary>
    public static bool IsHan(int codePoint) => codePoint is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0xF900 and <= 0xFAFF)
        or (>= 0x20000 and <= 0x323AF) or 0x3007;

    /// <summary>Whether the text contains at least one Han ideograph.</summary>
    public static bool ContainsHan(ReadOnlySpan<char> text)
    {
        foreach (var rune in text.EnumerateRunes()) if (IsHan(rune.Value)) return true;
        return false;
    }

    struct Counts
    {
        long _han, _kana, _letters;

        public void Add(string? text)
        {
            if (string.IsNullOrEmpty(text)) return;
            foreach (var rune in text.EnumerateRunes())
            {
                int v = rune.Value;
                if (IsHan(v)) { _han++; _letters++; }
                else if (v is (>= 0x3040 and <= 0x30FF) or (>= 0x31F0 and <= 0x31FF) or (>= 0xFF66 and <= 0xFF9D)) { _kana++; _letters++; }
                else if (Rune.IsLetter(rune)) _letters++;
            }
        }

        public readonly TextLanguage Language =>
            _letters > 0 && _han >= ChineseShare * _letters && _kana < 0.05 * _letters ? TextLanguage.Chinese : TextLanguage.English;
    }
}
