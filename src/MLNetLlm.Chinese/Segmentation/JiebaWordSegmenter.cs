using System.Globalization;
using System.Text;
using MLNetLlm.Data.Languages;

namespace MLNetLlm.Chinese.Segmentation;

/// <summary>
/// Chinese word segmentation with jieba.NET 0.42.2 (dictionary + HMM), thread-safe. Mixed text is fine: Latin words and
/// numbers stay whole, white space is dropped, punctuation and emoji are words of their own (never split inside a
/// surrogate pair or an emoji sequence), and unpaired surrogates become U+FFFD.
/// </summary>
/// <example><code>
/// var jieba = JiebaWordSegmenter.Create();
/// jieba.Words("我来到北京清华大学");   // 我, 来到, 北京, 清华大学
/// </code></example>
public sealed class JiebaWordSegmenter : IWordSegmenter
{
    readonly WordSegmentationOptions _options;

    JiebaWordSegmenter(WordSegmentationOptions options, UserDictionary? userDictionary)
    {
        _options = options;
        UserDictionary = userDictionary;
    }

    /// <summary>
    /// A segmenter with <paramref name="options"/> (null: defaults). Loads jieba's dictionary on first use in the process
    /// (about 1–2 s) and adds the user dictionary's words, if any.
    /// </summary>
    public static JiebaWordSegmenter Create(WordSegmentationOptions? options = null)
    {
        var o = (options ?? new WordSegmentationOptions()).Clone();
        o.Validate();
        var user = o.UserDictionaryPath == null ? null : UserDictionary.Load(o.UserDictionaryPath);
        return Create(o, user);
    }

    internal static JiebaWordSegmenter Create(WordSegmentationOptions options, UserDictionary? user)
    {
        _ = JiebaRuntime.ResourceDirectory; // load (and check) the dictionary now, not on the first row
        if (user != null) JiebaRuntime.AddWords(user);
        return new JiebaWordSegmenter(options, user);
    }

    /// <summary>A copy of the options.</summary>
    public WordSegmentationOptions Options => _options.Clone();

    internal UserDictionary? UserDictionary { get; }

    /// <summary>The folder jieba's dictionary was read from.</summary>
    public static string DictionaryDirectory => JiebaRuntime.ResourceDirectory;

    /// <inheritdoc/>
    public string Name => "jieba-" + _options.Mode.ToString().ToLowerInvariant();

    /// <summary>The words of <paramref name="text"/> in the options' mode (search mode: sub-words before each word). Null or empty: none.</summary>
    public IReadOnlyList<string> Words(string? text)
    {
        if (string.IsNullOrEmpty(text)) return [];
        text = ReplaceLoneSurrogates(text);
        var raw = _options.Mode == SegmentationMode.Search ? JiebaRuntime.CutForSearch(text, _options.UseHmm) : JiebaRuntime.Cut(text, _options.UseHmm);
        var words = new List<string>(raw.Count);
        foreach (var w in MergeSurrogatePairs(raw))
        {
            if (w.Length == 0 || string.IsNullOrWhiteSpace(w)) continue;
            if (words.Count > 0 && Continues(words[^1], w)) { words[^1] += w; continue; }
            words.Add(w);
        }
        if (_options.RemovePunctuation) words.RemoveAll(IsPunctuationOrSymbol);
        return words;
    }

    /// <summary>The words joined by the options' separator (the Text output of the transformer).</summary>
    public string Join(string? text) => string.Join(_options.Separator, Words(text));

    /// <inheritdoc/>
    /// <remarks>Always precise-mode words (search mode's sub-words overlap, so they are not ranges); punctuation is kept.</remarks>
    public IReadOnlyList<(int Start, int Length)> Segment(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) return [];
        string clean = ReplaceLoneSurrogates(text); // same length: offsets stay valid
        var ranges = new List<(int Start, int Length)>();
        int position = 0;
        foreach (var w in MergeSurrogatePairs(JiebaRuntime.Cut(clean, _options.UseHmm)))
        {
            if (w.Length == 0) continue;
            int at = clean.IndexOf(w, position, StringComparison.Ordinal);
            if (at < 0) continue; // jieba returns the text in order; never expected
            position = at + w.Length;
            if (string.IsNullOrWhiteSpace(w)) continue;
            if (ranges.Count > 0 && ranges[^1].Start + ranges[^1].Length == at && Continues(clean.Substring(ranges[^1].Start, ranges[^1].Length), w))
            {
                ranges[^1] = (ranges[^1].Start, ranges[^1].Length + w.Length);
                continue;
            }
            ranges.Add((at, w.Length));
        }
        return ranges;
    }

    /// <summary>jieba cuts characters outside its word pattern one UTF-16 unit at a time: put surrogate pairs back together.</summary>
    static List<string> MergeSurrogatePairs(List<string> tokens)
    {
        var merged = new List<string>(tokens.Count);
        foreach (var t in tokens)
        {
            if (t.Length > 0 && merged.Count > 0 && merged[^1].Length > 0 && char.IsHighSurrogate(merged[^1][^1]) && char.IsLowSurrogate(t[0])) merged[^1] += t;
            else merged.Add(t);
        }
        return merged;
    }

    /// <summary>Whether <paramref name="next"/> belongs to <paramref name="previous"/>: the second half of a surrogate pair, a combining mark, a variation selector, a skin tone, or a zero-width-joined emoji.</summary>
    static bool Continues(string previous, string next)
    {
        if (char.IsHighSurrogate(previous[^1]) || previous[^1] == '\u200D') return true;
        char c = next[0];
        if (char.IsLowSurrogate(c) || c == '\u200D' || c is >= '\uFE00' and <= '\uFE0F' || c == '\u20E3') return true;
        if (char.IsHighSurrogate(c) && next.Length > 1)
        {
            int v = char.ConvertToUtf32(c, next[1]);
            if (v is (>= 0x1F3FB and <= 0x1F3FF) or (>= 0xE0020 and <= 0xE007F)) return true;
        }
        var category = CharUnicodeInfo.GetUnicodeCategory(c);
        return category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark;
    }

    static bool IsPunctuationOrSymbol(string word)
    {
        foreach (var rune in word.EnumerateRunes())
            if (Rune.IsLetterOrDigit(rune)) return false;
        return true;
    }

    static string ReplaceLoneSurrogates(string s)
    {
        if (s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0) return s;
        var chars = s.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) { i++; continue; }
            if (char.IsSurrogate(chars[i])) chars[i] = '\uFFFD';
        }
        return new string(chars);
    }
}
