using System.Text;

namespace MLNetLlm.Data.Cleaning;

/// <summary>
/// Drops an RFC 5322 header block and decodes the MIME body to text: multipart bodies keep only their text parts
/// (nested and <c>message/rfc822</c> parts included), quoted-printable and base64 are decoded with the part's charset,
/// non-text parts (attachments, images) are dropped. Malformed input degrades to the raw text, never an exception.
/// </summary>
internal static class EmailText
{
    const int MaxDepth = 8;

    static readonly HashSet<string> StandardFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "from", "to", "cc", "bcc", "subject", "date", "received", "message-id", "return-path", "reply-to", "sender",
        "mime-version", "content-type", "delivered-to", "in-reply-to", "references", "x-mailer", "envelope-to",
    };

    /// <summary>The body text of <paramref name="s"/> when it starts with a header block; otherwise <paramref name="s"/> unchanged.</summary>
    public static string ExtractBody(string s, bool keepSubject)
    {
        if (!TryParseHeaders(s, 0, strict: true, out var headers, out int bodyStart)) return s;
        string body = DecodeEntity(headers, s.Substring(bodyStart), 0);
        if (keepSubject && headers.TryGetValue("subject", out var subject))
        {
            subject = DecodeEncodedWords(subject).Trim();
            if (subject.Length > 0) return body.Length == 0 ? subject : subject + "\n" + body;
        }
        return body;
    }

    /// <summary>
    /// Parses the header lines that start at <paramref name="start"/> up to the first blank line. Strict (a whole
    /// message): needs an mbox <c>From </c> line or two header lines, a standard field among them, and the blank line.
    /// Lenient (a MIME part): no header lines at all is fine.
    /// </summary>
    static bool TryParseHeaders(string s, int start, bool strict, out Dictionary<string, string> headers, out int bodyStart)
    {
        headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        bodyStart = start;
        int pos = start, headerLines = 0;
        bool standard = false, mbox = false;
        string? lastName = null;
        while (pos < s.Length)
        {
            int nl = s.IndexOf('\n', pos);
            int lineEnd = nl < 0 ? s.Length : nl;
            int next = nl < 0 ? s.Length : nl + 1;
            var line = s.AsSpan(pos, lineEnd - pos).TrimEnd('\r');
            if (line.IsEmpty)
            {
                bodyStart = next;
                return !strict || ((headerLines >= 2 || (mbox && headerLines >= 1)) && (standard || mbox));
            }
            if (pos == start && strict && line.StartsWith("From ", StringComparison.Ordinal)) { mbox = true; pos = next; continue; }
            if (line[0] is ' ' or '\t')
            {
                if (lastName == null) return Fail(strict, start, headers, out bodyStart);
                headers[lastName] = headers[lastName] + " " + line.Trim().ToString();
            }
            else
            {
                int colon = line.IndexOf(':');
                if (colon <= 0 || !IsFieldName(line[..colon])) return Fail(strict, start, headers, out bodyStart);
                lastName = line[..colon].ToString();
                string value = line[(colon + 1)..].Trim().ToString();
                headers.TryAdd(lastName, value); // a repeated field (Received) keeps its first value
                headerLines++;
                standard |= StandardFields.Contains(lastName);
            }
            pos = next;
        }
        // No blank line: not a header block (a MIME part without one is all body).
        return Fail(strict, start, headers, out bodyStart);
    }

    static bool Fail(bool strict, int start, Dictionary<string, string> headers, out int bodyStart)
    {
        headers.Clear();
        bodyStart = start; // a MIME part whose first line is not a header: it is all body
        return !strict;
    }

    static bool IsFieldName(ReadOnlySpan<char> name)
    {
        foreach (char c in name) if (c < 33 || c > 126) return false;
        return true;
    }

    static string DecodeEntity(Dictionary<string, string> headers, string body, int depth)
    {
        string contentType = headers.TryGetValue("content-type", out var ct) ? ct : "text/plain";
        string media = MediaType(contentType);
        string transfer = headers.TryGetValue("content-transfer-encoding", out var te) ? te.Trim().ToLowerInvariant() : "";
        if (media.StartsWith("multipart/", StringComparison.Ordinal) && depth < MaxDepth && GetParameter(contentType, "boundary") is { Length: > 0 } boundary)
        {
            var texts = new List<string>();
            foreach (var part in SplitMultipart(body, boundary))
            {
                TryParseHeaders(part, 0, strict: false, out var partHeaders, out int partBody);
                string text = DecodeEntity(partHeaders, part.Substring(partBody), depth + 1);
                if (text.Length > 0) texts.Add(text);
                // multipart/alternative offers the same text more than once (plain and HTML): keep the first.
                if (media == "multipart/alternative" && texts.Count > 0) break;
            }
            return string.Join("\n", texts);
        }
        if (media == "message/rfc822" && depth < MaxDepth)
        {
            return TryParseHeaders(body, 0, strict: false, out var inner, out int innerBody)
                ? DecodeEntity(inner, body.Substring(innerBody), depth + 1)
                : body;
        }
        if (media.Length > 0 && !media.StartsWith("text/", StringComparison.Ordinal) && !media.StartsWith("multipart/", StringComparison.Ordinal))
            return ""; // an attachment, an image: no text to learn from
        var encoding = CharsetEncoding(GetParameter(contentType, "charset"));
        return transfer switch
        {
            "quoted-printable" => DecodeQuotedPrintable(body, encoding, underscoreIsSpace: false),
            "base64" => DecodeBase64(body, encoding) ?? body,
            _ => body,
        };
    }

    static string MediaType(string contentType)
    {
        int semi = contentType.IndexOf(';');
        return (semi < 0 ? contentType : contentType[..semi]).Trim().ToLowerInvariant();
    }

    /// <summary>A parameter of a header value (<c>boundary="x"</c>, <c>charset=utf-8</c>), unquoted; null when absent.</summary>
    internal static string? GetParameter(string headerValue, string name)
    {
        int i = 0;
        while (true)
        {
            int semi = headerValue.IndexOf(';', i);
            if (semi < 0) return null;
            int p = semi + 1;
            while (p < headerValue.Length && char.IsWhiteSpace(headerValue[p])) p++;
            if (string.Compare(headerValue, p, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0)
            {
                int eq = p + name.Length;
                while (eq < headerValue.Length && char.IsWhiteSpace(headerValue[eq])) eq++;
                if (eq < headerValue.Length && headerValue[eq] == '=')
                {
                    int v = eq + 1;
                    while (v < headerValue.Length && char.IsWhiteSpace(headerValue[v])) v++;
                    if (v < headerValue.Length && headerValue[v] == '"')
                    {
                        int end = headerValue.IndexOf('"', v + 1);
                        return end < 0 ? headerValue[(v + 1)..] : headerValue[(v + 1)..end];
                    }
                    int stop = v;
                    while (stop < headerValue.Length && headerValue[stop] != ';' && !char.IsWhiteSpace(headerValue[stop])) stop++;
                    return headerValue[v..stop];
                }
            }
            i = semi + 1;
        }
    }

    /// <summary>The parts between <c>--boundary</c> lines, up to the closing <c>--boundary--</c> (preamble and epilogue dropped).</summary>
    static List<string> SplitMultipart(string body, string boundary)
    {
        var parts = new List<string>();
        string delimiter = "--" + boundary;
        int pos = 0, partStart = -1;
        while (pos <= body.Length)
        {
            int nl = body.IndexOf('\n', pos);
            int lineEnd = nl < 0 ? body.Length : nl;
            var line = body.AsSpan(pos, lineEnd - pos).TrimEnd();
            if (line.StartsWith(delimiter, StringComparison.Ordinal))
            {
                var rest = line[delimiter.Length..];
                if (rest.IsEmpty || rest.SequenceEqual("--"))
                {
                    if (partStart >= 0) parts.Add(body[partStart..Math.Max(partStart, pos - 1)]);
                    if (!rest.IsEmpty) return parts;
                    partStart = nl < 0 ? body.Length : nl + 1;
                }
            }
            if (nl < 0) break;
            pos = nl + 1;
        }
        if (partStart >= 0 && partStart < body.Length) parts.Add(body[partStart..]); // no closing delimiter
        return parts;
    }

    internal static Encoding CharsetEncoding(string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset)) return Encoding.Latin1;
        switch (charset.Trim().ToLowerInvariant())
        {
            case "utf-8" or "utf8": return new UTF8Encoding(false, false);
            case "us-ascii" or "ascii" or "iso-8859-1" or "latin1" or "windows-1252" or "cp1252": return Encoding.Latin1;
        }
        try { return Encoding.GetEncoding(charset.Trim()); }
        catch (ArgumentException) { return Encoding.Latin1; }
    }

    /// <summary>Quoted-printable (RFC 2045; with <paramref name="underscoreIsSpace"/> the RFC 2047 "Q" form) to text.</summary>
    internal static string DecodeQuotedPrintable(string s, Encoding encoding, bool underscoreIsSpace)
    {
        if (s.IndexOf('=') < 0 && !(underscoreIsSpace && s.Contains('_'))) return s;
        var sb = new StringBuilder(s.Length);
        var bytes = new List<byte>();
        void Flush()
        {
            if (bytes.Count == 0) return;
            sb.Append(encoding.GetString(bytes.ToArray()));
            bytes.Clear();
        }
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '=')
            {
                if (i + 2 < s.Length && char.IsAsciiHexDigit(s[i + 1]) && char.IsAsciiHexDigit(s[i + 2]))
                {
                    bytes.Add((byte)(Hex(s[i + 1]) * 16 + Hex(s[i + 2])));
                    i += 2;
                    continue;
                }
                // soft line break: '=' then optional trailing white space then the line end
                int j = i + 1;
                while (j < s.Length && s[j] is ' ' or '\t') j++;
                if (j < s.Length && s[j] == '\r') j++;
                if (j < s.Length && s[j] == '\n') { i = j; continue; }
                if (j >= s.Length) break;
            }
            Flush();
            sb.Append(underscoreIsSpace && c == '_' ? ' ' : c);
        }
        Flush();
        return sb.ToString();
    }

    static int Hex(char c) => char.IsAsciiDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;

    internal static string? DecodeBase64(string s, Encoding encoding)
    {
        var compact = new StringBuilder(s.Length);
        foreach (char c in s) if (!char.IsWhiteSpace(c)) compact.Append(c);
        var buffer = new byte[compact.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(compact.ToString(), buffer, out int written) ? encoding.GetString(buffer, 0, written) : null;
    }

    /// <summary>Decodes RFC 2047 encoded words (<c>=?utf-8?B?…?=</c>, <c>=?iso-8859-1?Q?…?=</c>) in a header value.</summary>
    internal static string DecodeEncodedWords(string value)
    {
        if (!value.Contains("=?", StringComparison.Ordinal)) return value;
        var sb = new StringBuilder(value.Length);
        int i = 0;
        bool lastWasEncoded = false;
        while (i < value.Length)
        {
            int start = value.IndexOf("=?", i, StringComparison.Ordinal);
            if (start < 0) { sb.Append(value, i, value.Length - i); break; }
            int q1 = value.IndexOf('?', start + 2);
            int q2 = q1 < 0 ? -1 : value.IndexOf('?', q1 + 1);
            int end = q2 < 0 ? -1 : value.IndexOf("?=", q2 + 1, StringComparison.Ordinal);
            if (end < 0 || q2 != q1 + 2) { sb.Append(value, i, value.Length - i); break; }
            var between = value.AsSpan(i, start - i);
            if (!(lastWasEncoded && between.IsWhiteSpace())) sb.Append(between);
            string charset = value[(start + 2)..q1];
            char mode = char.ToUpperInvariant(value[q1 + 1]);
            string payload = value[(q2 + 1)..end];
            var enc = CharsetEncoding(charset);
            string? decoded = mode == 'B' ? DecodeBase64(payload, enc) : mode == 'Q' ? DecodeQuotedPrintable(payload, enc, underscoreIsSpace: true) : null;
            sb.Append(decoded ?? value[start..(end + 2)]);
            lastWasEncoded = decoded != null;
            i = end + 2;
        }
        return sb.ToString();
    }
}
