using System.Text;

namespace MLNetLlm.Data.Cleaning;

/// <summary>
/// The Chinese-text steps of <see cref="TextNormalizer"/>: terminal escape removal, full-/half-width conversion and
/// Chinese ↔ ASCII punctuation. Each returns its input unchanged (the same instance) when there is nothing to do.
/// </summary>
internal static class CjkText
{
    /// <summary>Whether <paramref name="c"/> is a CJK ideograph (unified, extension A, compatibility) in the BMP.</summary>
    public static bool IsHan(char c) => c is (>= '\u4E00' and <= '\u9FFF') or (>= '\u3400' and <= '\u4DBF') or (>= '\uF900' and <= '\uFAFF');

    /// <summary>Whether the code point is a CJK ideograph (BMP blocks and the supplementary extensions B–H).</summary>
    public static bool IsHan(int codePoint) => codePoint < 0x10000 ? IsHan((char)codePoint) : codePoint is >= 0x20000 and <= 0x323AF;

    /// <summary>
    /// Removes ANSI/VT100 escape sequences (CSI <c>ESC [ … final</c>, OSC <c>ESC ] … BEL|ESC \</c>, DCS/SOS/PM/APC
    /// strings, two-byte <c>ESC x</c>, 8-bit CSI U+009B, the caret form <c>^[[…</c>) and applies backspaces.
    /// </summary>
    public static string RemoveTerminalEscapes(string s)
    {
        if (s.AsSpan().IndexOfAny('\u001B', '\u009B', '\b') < 0 && !s.Contains("^[", StringComparison.Ordinal)) return s;
        var sb = new StringBuilder(s.Length);
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '\b')
            {
                // A terminal moves back one cell; the next character overwrites the previous one.
                if (sb.Length > 0)
                {
                    int remove = sb.Length >= 2 && char.IsLowSurrogate(sb[^1]) && char.IsHighSurrogate(sb[^2]) ? 2 : 1;
                    sb.Length -= remove;
                }
                i++;
                continue;
            }
            if (c == '\u001B' || (c == '^' && i + 1 < s.Length && s[i + 1] == '[' && i + 2 < s.Length && (s[i + 2] == '[' || s[i + 2] == ']')))
            {
                int start = c == '\u001B' ? i + 1 : i + 2; // the character after ESC (or after the caret form "^[")
                i = SkipEscape(s, start);
                continue;
            }
            if (c == '\u009B') { i = SkipCsi(s, i + 1); continue; }
            sb.Append(c);
            i++;
        }
        return sb.ToString();
    }

    /// <summary>Index after the escape sequence whose introducer character is at <paramref name="i"/> (just after ESC).</summary>
    static int SkipEscape(string s, int i)
    {
        if (i >= s.Length) return i;
        char kind = s[i];
        if (kind == '[') return SkipCsi(s, i + 1);
        if (kind is ']' or 'P' or 'X' or '^' or '_')
        {
            // A string command: ends at BEL or ST (ESC \); an unterminated one runs to the end of the line.
            for (int j = i + 1; j < s.Length; j++)
            {
                if (s[j] == '\u0007') return j + 1;
                if (s[j] == '\u001B' && j + 1 < s.Length && s[j + 1] == '\\') return j + 2;
                if (s[j] is '\n' or '\r') return j;
            }
            return s.Length;
        }
        if (kind is '(' or ')' or '*' or '+' or '#' or '%') return Math.Min(i + 2, s.Length); // charset designation: one more byte
        if (kind >= '\u0020' && kind <= '\u007E') return i + 1; // two-byte sequences: ESC 7, ESC =, ESC M, …
        return i;
    }

    /// <summary>Skips CSI parameter bytes (0x30–0x3F), intermediate bytes (0x20–0x2F) and the final byte (0x40–0x7E).</summary>
    static int SkipCsi(string s, int i)
    {
        while (i < s.Length && s[i] >= '\u0030' && s[i] <= '\u003F') i++;
        while (i < s.Length && s[i] >= '\u0020' && s[i] <= '\u002F') i++;
        if (i < s.Length && s[i] >= '\u0040' && s[i] <= '\u007E') i++;
        return i;
    }

    /// <summary>Full-width ASCII forms, the ideographic space and the full-width signs to their half-width twins.</summary>
    public static string ToHalfWidth(string s)
    {
        int first = -1;
        for (int i = 0; i < s.Length; i++) if (HalfOf(s[i]) != s[i]) { first = i; break; }
        if (first < 0) return s;
        var chars = s.ToCharArray();
        for (int i = first; i < chars.Length; i++) chars[i] = HalfOf(chars[i]);
        return new string(chars);
    }

    static char HalfOf(char c) => c switch
    {
        >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
        '\u3000' => ' ',
        '\uFFE0' => '\u00A2', '\uFFE1' => '\u00A3', '\uFFE2' => '\u00AC', '\uFFE3' => '\u00AF', '\uFFE4' => '\u00A6', '\uFFE5' => '\u00A5', '\uFFE6' => '\u20A9',
        _ => c,
    };

    /// <summary>ASCII letters, digits and punctuation (not the space) to their full-width forms.</summary>
    public static string ToFullWidth(string s)
    {
        int first = s.AsSpan().IndexOfAnyInRange('\u0021', '\u007E');
        if (first < 0) return s;
        var chars = s.ToCharArray();
        for (int i = first; i < chars.Length; i++)
            if (chars[i] >= '\u0021' && chars[i] <= '\u007E') chars[i] = (char)(chars[i] + 0xFEE0);
        return new string(chars);
    }

    /// <summary>Chinese punctuation to ASCII (see <see cref="TextNormalizerOptions.PunctuationToAscii"/>).</summary>
    public static string PunctuationToAscii(string s)
    {
        int first = -1;
        for (int i = 0; i < s.Length; i++) if (AsciiOf(s[i]) != null) { first = i; break; }
        if (first < 0) return s;
        var sb = new StringBuilder(s.Length + 8);
        sb.Append(s, 0, first);
        for (int i = first; i < s.Length; i++)
        {
            if (AsciiOf(s[i]) is { } ascii) sb.Append(ascii); else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    static string? AsciiOf(char c) => c switch
    {
        '，' or '、' or '\uFF64' => ",",
        '。' or '\uFF61' or '．' => ".",
        '；' => ";",
        '：' => ":",
        '？' => "?",
        '！' => "!",
        '“' or '”' or '〝' or '〞' or '「' or '」' or '『' or '』' or '《' or '》' or '〈' or '〉' or '\uFF62' or '\uFF63' or '＂' => "\"",
        '‘' or '’' or '＇' => "'",
        '（' => "(",
        '）' => ")",
        '【' or '〔' or '〖' or '［' => "[",
        '】' or '〕' or '〗' or '］' => "]",
        '～' or '〜' => "~",
        '—' or '－' or '―' => "-",
        '…' => "...",
        '・' or '\uFF65' => "·",
        _ => null,
    };

    /// <summary>ASCII punctuation after (or, for brackets, next to) a Chinese character to the Chinese form.</summary>
    public static string PunctuationToChinese(string s)
    {
        bool any = false;
        for (int i = 0; i < s.Length && !any; i++) any = s[i] is ',' or '.' or ';' or ':' or '?' or '!' or '(' or ')';
        if (!any) return s;
        char[]? chars = null;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is not (',' or '.' or ';' or ':' or '?' or '!' or '(' or ')')) continue;
            bool hanBefore = i > 0 && IsHanAt(s, i - 1, before: true);
            bool hanAfter = i + 1 < s.Length && IsHanAt(s, i + 1, before: false);
            char? to = c switch
            {
                ',' when hanBefore => '，', '.' when hanBefore && !NextIsDot(s, i) => '。', ';' when hanBefore => '；', ':' when hanBefore => '：',
                '?' when hanBefore => '？', '!' when hanBefore => '！',
                '(' when hanBefore || hanAfter => '（', ')' when hanBefore || hanAfter => '）',
                _ => null,
            };
            if (to is { } t) (chars ??= s.ToCharArray())[i] = t;
        }
        return chars == null ? s : new string(chars);
    }

    static bool NextIsDot(string s, int i) => (i + 1 < s.Length && s[i + 1] == '.') || (i > 0 && s[i - 1] == '.');

    static bool IsHanAt(string s, int i, bool before)
    {
        char c = s[i];
        if (IsHan(c)) return true;
        if (before && char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(s[i - 1])) return IsHan(char.ConvertToUtf32(s[i - 1], c));
        if (!before && char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) return IsHan(char.ConvertToUtf32(c, s[i + 1]));
        return false;
    }
}
