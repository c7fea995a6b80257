using System.Text;
using MimeKit;

namespace MLNetLlm.Data.Cleaning;

/// <summary>
/// Drops an RFC 5322 header block and decodes the MIME body to text with MimeKit: multipart bodies keep only their
/// text parts (nested and <c>message/rfc822</c> parts included), quoted-printable and base64 are decoded with the
/// part's charset, non-text parts (attachments, images) are dropped. Malformed input degrades to the raw text, never an
/// exception.
/// </summary>
/// <remarks>
/// MimeKit reads any text as a header block, so deciding whether a text cell <em>is</em> an e-mail stays ours
/// (<see cref="LooksLikeHeaderBlock"/>): an mbox <c>From </c> line or two header lines, a standard field among them,
/// and the blank line that ends the block. The text is handed to MimeKit as UTF-8, so parts without a
/// transfer encoding come back exactly as they were in the input string, whatever charset they declare.
/// </remarks>
internal static class EmailText
{
    const int MaxDepth = 8;

    static readonly UTF8Encoding Utf8 = new(false, false);

    static readonly ParserOptions Options;

    static EmailText()
    {
        // Windows and East-Asian code pages (big5, gb2312, euc-kr, iso-2022-jp) for the parts and encoded words that
        // declare them; registered before MimeKit looks its charsets up.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        Options = new ParserOptions { CharsetEncoding = Utf8 };
    }

    static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> StandardFields = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "from", "to", "cc", "bcc", "subject", "date", "received", "message-id", "return-path", "reply-to", "sender",
        "mime-version", "content-type", "delivered-to", "in-reply-to", "references", "x-mailer", "envelope-to",
    }.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The body text of <paramref name="s"/> when it starts with a header block; otherwise <paramref name="s"/> unchanged.</summary>
    public static string ExtractBody(string s, bool keepSubject, IReadOnlyList<string>? keepHeaders = null)
    {
        if (!LooksLikeHeaderBlock(s, out int messageStart)) return s;
        MimeMessage message;
        try
        {
            using var stream = new MemoryStream(Utf8.GetBytes(messageStart == 0 ? s : s[messageStart..]), writable: false);
            message = MimeMessage.Load(Options, stream);
        }
        catch (FormatException) { return s; }
        string body = message.Body is { } entity ? Text(entity, 0) : "";
        var lines = new List<string>();
        if (keepSubject && message.Headers[HeaderId.Subject] is { } raw)
        {
            string subject = message.Subject?.Trim() ?? raw.Trim();
            if (subject.Length > 0) lines.Add(subject);
        }
        foreach (string field in keepHeaders ?? [])
            foreach (var header in message.Headers)
                if (header.Field.Equals(field, StringComparison.OrdinalIgnoreCase) && OneLine(header.Value) is { Length: > 0 } value)
                    lines.Add(field.ToLowerInvariant() + ": " + value);
        if (lines.Count == 0) return body;
        if (body.Length > 0) lines.Add(body);
        return string.Join("\n", lines);
    }

    /// <summary>A (decoded) header value with its folding undone.</summary>
    static string OneLine(string value) => string.Join(' ', value.Split(['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The text of one MIME entity: text parts decoded, multiparts joined, attachments dropped.</summary>
    static string Text(MimeEntity entity, int depth)
    {
        switch (entity)
        {
            case Multipart multipart when depth < MaxDepth:
                var texts = new List<string>();
                bool alternative = multipart.ContentType.IsMimeType("multipart", "alternative");
                foreach (var part in multipart)
                {
                    string text = Text(part, depth + 1);
                    if (text.Length > 0) texts.Add(text);
                    // multipart/alternative offers the same text more than once (plain and HTML): keep the first.
                    if (alternative && texts.Count > 0) break;
                }
                return string.Join("\n", texts);
            case MessagePart { Message.Body: { } inner } when depth < MaxDepth:
                return Text(inner, depth + 1);
            case TextPart text:
                return Decode(text);
            case MimePart part when part.ContentType.MediaType.Equals("multipart", StringComparison.OrdinalIgnoreCase):
                return Decode(part); // a multipart without a boundary: its body as text
            default:
                return ""; // an attachment, an image: no text to learn from
        }
    }

    static string Decode(MimePart part)
    {
        if (part.Content is null) return "";
        if (part.ContentTransferEncoding is ContentEncoding.QuotedPrintable or ContentEncoding.Base64)
        {
            // The decoded bytes are in the part's charset.
            using var decoded = new MemoryStream();
            part.Content.DecodeTo(decoded);
            return CharsetEncoding(part.ContentType.Charset).GetString(decoded.GetBuffer(), 0, (int)decoded.Length);
        }
        // Not transfer-encoded: these are the UTF-8 bytes of the input string, whatever charset the part declares.
        using var raw = new MemoryStream();
        part.Content.WriteTo(raw);
        return Utf8.GetString(raw.GetBuffer(), 0, (int)raw.Length);
    }

    /// <summary>
    /// The decoder for a part's charset: none given, US-ASCII or Windows-1252 read as ISO-8859-1 (spam declares
    /// <c>us-ascii</c> and sends 8-bit bytes; a strict ASCII decoder would turn them into '?'), unknown ones too.
    /// </summary>
    static Encoding CharsetEncoding(string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset)) return Encoding.Latin1;
        switch (charset.Trim().ToLowerInvariant())
        {
            case "utf-8" or "utf8": return Utf8;
            case "us-ascii" or "ascii" or "iso-8859-1" or "latin1" or "windows-1252" or "cp1252": return Encoding.Latin1;
        }
        try { return Encoding.GetEncoding(charset.Trim()); }
        catch (ArgumentException) { return Encoding.Latin1; }
    }

    /// <summary>
    /// Whether <paramref name="s"/> starts with an e-mail header block: an mbox <c>From </c> line or two header lines,
    /// a standard field among them, and the blank line that ends the block. <paramref name="messageStart"/> skips the
    /// mbox line (not part of the RFC 5322 message).
    /// </summary>
    static bool LooksLikeHeaderBlock(string s, out int messageStart)
    {
        messageStart = 0;
        int pos = 0, headerLines = 0;
        bool standard = false, mbox = false, continuable = false;
        while (pos < s.Length)
        {
            int nl = s.IndexOf('\n', pos);
            int lineEnd = nl < 0 ? s.Length : nl;
            int next = nl < 0 ? s.Length : nl + 1;
            var line = s.AsSpan(pos, lineEnd - pos).TrimEnd('\r');
            if (line.IsEmpty) return (headerLines >= 2 || (mbox && headerLines >= 1)) && (standard || mbox);
            if (pos == 0 && line.StartsWith("From ", StringComparison.Ordinal)) { mbox = true; messageStart = pos = next; continue; }
            if (line[0] is ' ' or '\t')
            {
                if (!continuable) return false;
            }
            else
            {
                int colon = line.IndexOf(':');
                if (colon <= 0 || !IsFieldName(line[..colon])) return false;
                headerLines++;
                standard |= StandardFields.Contains(line[..colon]);
                continuable = true;
            }
            pos = next;
        }
        return false; // no blank line: not a header block
    }

    static bool IsFieldName(ReadOnlySpan<char> name)
    {
        foreach (char c in name) if (c < 33 || c > 126) return false;
        return true;
    }
}
