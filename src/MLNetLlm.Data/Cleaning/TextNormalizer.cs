using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MLNetLlm.Data.Cleaning;

/// <summary>
/// Cleans one text: Unicode NFKC, e-mail header stripping, HTML to text, control/emoji/symbol removal, case folding,
/// whitespace collapse and URL/e-mail/number masking, as chosen by <see cref="TextNormalizerOptions"/>. A pure
/// function, thread-safe, usable without ML.NET; <see cref="TextNormalizerEstimator"/> applies it to a column.
/// </summary>
/// <remarks>
/// Handling of bad input: <c>null</c> gives the empty string; unpaired UTF-16 surrogates become U+FFFD; malformed
/// HTML or MIME degrades to the raw text; time and memory are linear in the text's length (a 10 MB document is fine).
/// </remarks>
public static partial class TextNormalizer
{
    static readonly TextNormalizerOptions DefaultOptions = new();

    /// <summary>Normalizes <paramref name="text"/> with <paramref name="options"/> (null: defaults).</summary>
    /// <example><code>string clean = TextNormalizer.Normalize("&lt;p&gt;Ｈｅｌｌｏ&amp;nbsp;World!&lt;/p&gt;"); // "hello world!"</code></example>
    public static string Normalize(string? text, TextNormalizerOptions? options = null)
    {
        options ??= DefaultOptions;
        options.Validate();
        if (string.IsNullOrEmpty(text)) return "";
        string result = ReplaceLoneSurrogates(text);
        if (options.RemoveTerminalEscapes) result = CjkText.RemoveTerminalEscapes(result);
        result = Pass(result, options);
        // Decoding can reveal markup ("&amp;lt;b&amp;gt;"), and lower-casing can leave a non-NFKC string: run again
        // until stable so that Normalize(Normalize(x)) == Normalize(x). Each extra pass only happens for such texts.
        for (int i = 0; i < 4 && MayChangeAgain(result, options); i++)
        {
            string again = Pass(result, options);
            if (again == result) break;
            result = again;
        }
        return result;
    }

    static bool MayChangeAgain(string s, TextNormalizerOptions o) =>
        (o.StripHtml && HtmlText.MayContainMarkup(s))
        || o.FullWidth || o.PunctuationToChinese
        || (o.UnicodeNormalization && !Ascii.IsValid(s) && !s.IsNormalized(NormalizationForm.FormKC));

    static string Pass(string s, TextNormalizerOptions o)
    {
        if (o.UnicodeNormalization) s = Nfkc(s);
        if (o.StripEmailHeaders) s = EmailText.ExtractBody(s, o.KeepSubject, o.KeepEmailHeaders);
        if (o.StripHtml)
        {
            string html = HtmlText.ToText(s);
            if (!ReferenceEquals(html, s) && o.UnicodeNormalization) html = Nfkc(ReplaceLoneSurrogates(html));
            s = html;
        }
        if (o.HalfWidth) s = CjkText.ToHalfWidth(s);
        s = CharacterPass(s, o);
        if (o.PunctuationToAscii) s = CjkText.PunctuationToAscii(s);
        if (o.PunctuationToChinese) s = CjkText.PunctuationToChinese(s);
        if (o.MaskUrls && (s.Contains("://", StringComparison.Ordinal) || s.Contains("www.", StringComparison.OrdinalIgnoreCase)))
            s = UrlPattern().Replace(s, o.UrlToken);
        if (o.MaskEmails && s.Contains('@')) s = EmailPattern().Replace(s, o.EmailToken);
        if (o.MaskNumbers && s.AsSpan().IndexOfAnyInRange('0', '9') >= 0) s = NumberPattern().Replace(s, o.NumberToken);
        if (o.FullWidth) s = CjkText.ToFullWidth(s); // last, so that masking and case folding see ASCII
        return s;
    }

    static string Nfkc(string s) => Ascii.IsValid(s) || s.IsNormalized(NormalizationForm.FormKC) ? s : s.Normalize(NormalizationForm.FormKC);

    /// <summary>Replaces unpaired UTF-16 surrogates by U+FFFD (NFKC and encoders reject them).</summary>
    internal static string ReplaceLoneSurrogates(string s)
    {
        int first = s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0) return s;
        char[]? fixedChars = null;
        for (int i = first; i < s.Length; i++)
        {
            char c = s[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            fixedChars ??= s.ToCharArray();
            fixedChars[i] = '\uFFFD';
        }
        return fixedChars == null ? s : new string(fixedChars);
    }

    /// <summary>One scan over code points: control/format, emoji and symbol removal, case folding, whitespace collapse.</summary>
    static string CharacterPass(string s, TextNormalizerOptions o)
    {
        char[] buffer = ArrayPool<char>.Shared.Rent(s.Length + 8);
        try
        {
            int w = 0;
            int pending = 0; // 0: none, 1: a space, 2: a line break (collapse mode)
            bool collapse = o.CollapseWhitespace, lines = o.PreserveLineBreaks, fold = o.CaseFolding, symbols = o.RemoveSymbols, controls = o.RemoveControlCharacters;
            var span = s.AsSpan();
            int i = 0;
            while (i < span.Length)
            {
                char c = span[i];
                if (c < 0x80)
                {
                    i++;
                    if (c > ' ' && c != 0x7F)
                    {
                        if (symbols && c is '$' or '+' or '<' or '=' or '>' or '^' or '`' or '|' or '~') { c = ' '; goto whitespace; }
                        if (fold && (uint)(c - 'A') <= 'Z' - 'A') c = (char)(c | 0x20);
                        if (pending != 0) Flush(ref w, ref pending);
                        if ((uint)w < (uint)buffer.Length) buffer[w++] = c; else Put(ref buffer, ref w, c);
                        continue;
                    }
                    if (c == ' ' || (c >= '\t' && c <= '\r')) goto whitespace;
                    if (controls) continue;
                    if (pending != 0) Flush(ref w, ref pending);
                    Put(ref buffer, ref w, c);
                    continue;
                whitespace:
                    if (!collapse) { Put(ref buffer, ref w, c); continue; }
                    if (w > 0) pending = Math.Max(pending, lines && c is '\n' or '\r' or '\v' or '\f' ? 2 : 1);
                    continue;
                }
                Rune.DecodeFromUtf16(span[i..], out Rune rune, out int consumed);
                i += consumed;
                if (Rune.IsWhiteSpace(rune))
                {
                    if (!collapse) { w = Append(ref buffer, w, rune); continue; }
                    if (w > 0) pending = Math.Max(pending, lines && rune.Value is 0x85 or 0x2028 or 0x2029 ? 2 : 1);
                    continue;
                }
                var category = Rune.GetUnicodeCategory(rune);
                if (o.RemoveEmoji && IsEmojiComponent(rune)) continue;
                if (o.RemoveControlCharacters && category is UnicodeCategory.Control or UnicodeCategory.Format) continue;
                if ((o.RemoveSymbols && category is UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol)
                    || (o.RemoveEmoji && category == UnicodeCategory.OtherSymbol && IsEmoji(rune)))
                {
                    if (!collapse) { Put(ref buffer, ref w, ' '); continue; } // one code point becomes one space
                    if (w > 0) pending = Math.Max(pending, 1);
                    continue;
                }
                if (o.CaseFolding) rune = Rune.ToLowerInvariant(rune);
                Flush(ref w, ref pending);
                w = Append(ref buffer, w, rune);
            }
            return w == s.Length && span.SequenceEqual(buffer.AsSpan(0, w)) ? s : new string(buffer, 0, w);

            void Flush(ref int w, ref int pending)
            {
                if (pending == 0) return;
                Put(ref buffer, ref w, pending == 2 ? '\n' : ' ');
                pending = 0;
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    static void Put(ref char[] buffer, ref int w, char c)
    {
        if ((uint)w >= (uint)buffer.Length) EnsureCapacity(ref buffer, w + 1);
        buffer[w++] = c;
    }

    static int Append(ref char[] buffer, int w, Rune rune)
    {
        EnsureCapacity(ref buffer, w + 2);
        return w + rune.EncodeToUtf16(buffer.AsSpan(w));
    }

    static void EnsureCapacity(ref char[] buffer, int needed)
    {
        if (needed <= buffer.Length) return;
        var bigger = ArrayPool<char>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.AsSpan().CopyTo(bigger);
        ArrayPool<char>.Shared.Return(buffer);
        buffer = bigger;
    }

    /// <summary>Pictographic "other symbol" ranges (emoji, dingbats, flags' regional indicators, playing cards, …).</summary>
    static bool IsEmoji(Rune r) => r.Value is (>= 0x1F000 and <= 0x1FAFF) or (>= 0x2600 and <= 0x27BF) or (>= 0x2B00 and <= 0x2BFF)
        or (>= 0x2190 and <= 0x21FF) or (>= 0x2300 and <= 0x23FF) or (>= 0x25A0 and <= 0x25FF) or 0x00A9 or 0x00AE or 0x2122 or 0x3030 or 0x303D;

    /// <summary>Invisible parts of emoji sequences: variation selectors, zero-width joiner, skin tones, keycap, tag characters.</summary>
    static bool IsEmojiComponent(Rune r) => r.Value is 0xFE0E or 0xFE0F or 0x200D or 0x20E3
        or (>= 0x1F3FB and <= 0x1F3FF) or (>= 0xE0020 and <= 0xE007F);

    [GeneratedRegex(@"(?:(?:https?|ftp)://|www\.)[^\s<>""]+?(?=[.,;:!?)\]'""]*(?:\s|$))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    // Han and kana characters are letters, but Chinese and Japanese put no space between words and numbers: a number
    // touching them is still a number (电话13800138000).
    [GeneratedRegex(@"(?<![\p{L}\p{N}_-[\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]])\p{Nd}+(?:[.,:/\-]\p{Nd}+)*(?![\p{L}\p{N}_-[\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]])", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();
}
