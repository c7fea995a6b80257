using System.Net;
using System.Text;

namespace MLNetLlm.Data.Cleaning;

/// <summary>HTML/XML markup to plain text in one forward scan (no DOM, linear time, never throws on malformed markup).</summary>
internal static class HtmlText
{
    static readonly HashSet<string> InlineTags = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "mark", "q", "s",
        "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "o:p",
    };

    static readonly HashSet<string> BlockTags = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "body", "br", "center", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "li",
        "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul",
    };

    static readonly HashSet<string> OtherTags = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "audio", "base", "basefont", "button", "canvas", "caption", "col", "colgroup", "embed", "iframe", "img",
        "input", "label", "legend", "link", "map", "meta", "noscript", "object", "optgroup", "option", "param", "picture",
        "script", "select", "source", "style", "svg", "template", "textarea", "track", "video", "xml", "nobr", "marquee",
        "blink", "frame", "frameset", "noframes", "ins", "del", "menu", "dir", "layer", "ilayer", "xmp", "listing",
    };

    static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> BlockLookup = BlockTags.GetAlternateLookup<ReadOnlySpan<char>>();
    static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> InlineLookup = InlineTags.GetAlternateLookup<ReadOnlySpan<char>>();
    static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> OtherLookup = OtherTags.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>True when <paramref name="s"/> has something <see cref="ToText"/> would change (a tag-like <c>&lt;</c> or an entity-like <c>&amp;</c>).</summary>
    public static bool MayContainMarkup(ReadOnlySpan<char> s)
    {
        int i = 0;
        while (true)
        {
            int k = s[i..].IndexOfAny('<', '&');
            if (k < 0) return false;
            i += k;
            if (i + 1 >= s.Length) return false;
            char n = s[i + 1];
            if (s[i] == '<' ? char.IsAsciiLetter(n) || n is '/' or '!' or '?' : char.IsAsciiLetterOrDigit(n) || n == '#') return true;
            i++;
        }
    }

    /// <summary>The text of <paramref name="s"/> with markup removed and entities decoded.</summary>
    public static string ToText(string s)
    {
        if (!MayContainMarkup(s)) return s;
        var sb = new StringBuilder(s.Length);
        int i = 0, n = s.Length;
        while (i < n)
        {
            int k = s.AsSpan(i).IndexOfAny('<', '&');
            if (k < 0) { sb.Append(s, i, n - i); break; }
            sb.Append(s, i, k);
            i += k;
            if (s[i] == '<')
            {
                int next = TrySkipTag(s, i, sb);
                if (next > i) { i = next; continue; }
                sb.Append('<'); i++;
            }
            else
            {
                int next = TryDecodeEntity(s, i, sb);
                if (next > i) { i = next; continue; }
                sb.Append('&'); i++;
            }
        }
        return sb.ToString();
    }

    /// <summary>If a tag, comment or declaration starts at <paramref name="i"/>, appends its text replacement and returns the index after it; else returns <paramref name="i"/>.</summary>
    static int TrySkipTag(string s, int i, StringBuilder sb)
    {
        int n = s.Length;
        if (i + 1 >= n) return i;
        char c = s[i + 1];
        if (c == '!' && string.CompareOrdinal(s, i, "<!--", 0, 4) == 0)
        {
            int end = s.IndexOf("-->", i + 4, StringComparison.Ordinal);
            sb.Append(' ');
            return end < 0 ? n : end + 3;
        }
        if (c is '!' or '?')
        {
            int end = s.IndexOf('>', i + 2);
            if (end < 0) return i;
            sb.Append(' ');
            return end + 1;
        }
        bool closing = c == '/';
        int nameStart = closing ? i + 2 : i + 1;
        int j = nameStart;
        while (j < n && (char.IsAsciiLetterOrDigit(s[j]) || s[j] is '-' or ':' or '_')) j++;
        if (j == nameStart || !char.IsAsciiLetter(s[nameStart])) return i;
        if (j < n && !(char.IsWhiteSpace(s[j]) || s[j] is '>' or '/')) return i;
        int close = FindTagEnd(s, j);
        if (close < 0) return i;
        var name = s.AsSpan(nameStart, j - nameStart);
        bool block = BlockLookup.Contains(name), inline = !block && InlineLookup.Contains(name);
        // Only known HTML elements and namespaced (Office/XML) tags count: "x<y and y>z" in plain text stays as it is.
        if (!(block || inline || OtherLookup.Contains(name) || name.Contains(':'))) return i;
        if (!closing && (name.Equals("script", StringComparison.OrdinalIgnoreCase) || name.Equals("style", StringComparison.OrdinalIgnoreCase)))
        {
            string endTag = name.Length == 6 ? "</script" : "</style";
            int end = s.IndexOf(endTag, close + 1, StringComparison.OrdinalIgnoreCase);
            sb.Append(' ');
            if (end < 0) return n;
            int gt = s.IndexOf('>', end + endTag.Length);
            return gt < 0 ? n : gt + 1;
        }
        if (block) sb.Append('\n');
        else if (!inline) sb.Append(' ');
        return close + 1;
    }

    /// <summary>The index of the <c>&gt;</c> that ends a tag whose name ends at <paramref name="j"/>, skipping quoted attribute values; -1 when none.</summary>
    static int FindTagEnd(string s, int j)
    {
        char quote = '\0';
        for (; j < s.Length; j++)
        {
            char c = s[j];
            if (quote != '\0') { if (c == quote) quote = '\0'; }
            else if (c is '"' or '\'') quote = c;
            else if (c == '>') return j;
            else if (c == '<') return -1; // a new tag starts before this one closed: not a tag
        }
        return -1;
    }

    static int TryDecodeEntity(string s, int i, StringBuilder sb)
    {
        int n = s.Length;
        int limit = Math.Min(n, i + 34);
        int j = i + 1;
        if (j < n && s[j] == '#')
        {
            j++;
            bool hex = j < n && (s[j] is 'x' or 'X');
            if (hex) j++;
            int start = j;
            long value = 0;
            while (j < limit && (hex ? char.IsAsciiHexDigit(s[j]) : char.IsAsciiDigit(s[j])))
            {
                char d = s[j];
                value = value * (hex ? 16 : 10) + (char.IsAsciiDigit(d) ? d - '0' : (d | 0x20) - 'a' + 10);
                if (value > 0x10FFFF) value = 0x110000;
                j++;
            }
            if (j == start || j >= n || s[j] != ';') return i;
            if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) sb.Append('\uFFFD');
            else sb.Append(char.ConvertFromUtf32((int)value));
            return j + 1;
        }
        while (j < limit && char.IsAsciiLetterOrDigit(s[j])) j++;
        if (j == i + 1 || j >= n || s[j] != ';') return i;
        string entity = s.Substring(i, j - i + 1);
        string decoded = WebUtility.HtmlDecode(entity);
        if (decoded == entity) return i;
        sb.Append(decoded);
        return j + 1;
    }
}
