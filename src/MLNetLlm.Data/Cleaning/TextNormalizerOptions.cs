using System.Text.Json.Serialization;
using MLNetLlm.SearchSpaces;

namespace MLNetLlm.Data.Cleaning;

/// <summary>
/// What <see cref="TextNormalizer"/> does to a text. A plain options class: every property is a boolean switch (those marked
/// <see cref="BooleanChoiceAttribute"/> are searched by AutoML) or a placeholder string; defaults are the values below.
/// </summary>
/// <remarks>
/// The steps always run in this order: invalid UTF-16 (lone surrogates) → U+FFFD; terminal escape sequences removed;
/// Unicode NFKC; e-mail header stripping and MIME decoding; HTML to text; half-width conversion;
/// control/format character, emoji and symbol removal; case folding; whitespace collapse; Chinese/ASCII punctuation
/// conversion; URL, e-mail and number masking; full-width conversion. Every step works on mixed Chinese–English text (CJK characters have no
/// case and are never split or merged). The Chinese-specific switches (<see cref="RemoveTerminalEscapes"/>,
/// <see cref="HalfWidth"/>, <see cref="FullWidth"/>, <see cref="PunctuationToAscii"/>, <see cref="PunctuationToChinese"/>)
/// are off by default, so the defaults behave as before they existed. Traditional → Simplified Chinese conversion is
/// not offered: no maintained conversion library is available on the NuGet feed this project uses. With <see cref="CollapseWhitespace"/> on,
/// normalizing twice gives the same text as normalizing once.
/// </remarks>
public sealed class TextNormalizerOptions
{
    /// <summary>Apply Unicode normalization form KC (compatibility composition: fullwidth → ASCII, ligatures split, …). Default true.</summary>
    public bool UnicodeNormalization { get; set; } = true;

    /// <summary>Lower-case the text (invariant culture, code point by code point). Default true.</summary>
    [BooleanChoice]
    public bool CaseFolding { get; set; } = true;

    /// <summary>Replace every run of Unicode white space by one space and trim both ends. Default true.</summary>
    public bool CollapseWhitespace { get; set; } = true;

    /// <summary>With <see cref="CollapseWhitespace"/>: a run that contains a line break becomes one <c>\n</c> instead of a space. Default false.</summary>
    public bool PreserveLineBreaks { get; set; }

    /// <summary>Remove control characters (other than white space) and invisible format characters (zero-width space, BOM, soft hyphen, bidi marks). Default true.</summary>
    public bool RemoveControlCharacters { get; set; } = true;

    /// <summary>
    /// Convert HTML/XML markup to text: tags removed (block tags become line breaks), <c>script</c>, <c>style</c>,
    /// comments and declarations dropped with their content, character entities (<c>&amp;amp;</c>, <c>&amp;#233;</c>,
    /// <c>&amp;#x1F600;</c>) decoded. Default true.
    /// </summary>
    [BooleanChoice]
    public bool StripHtml { get; set; } = true;

    /// <summary>
    /// When the text starts with an RFC 5322 header block (an mbox <c>From </c> line or at least two header lines, one
    /// of them a standard field such as From, To, Subject, Date, Received or Message-ID, then a blank line), drop the
    /// headers and decode the body: MIME multipart bodies keep only their text parts, quoted-printable and base64 parts
    /// are decoded with their charset. Text without such a header block is left alone. Default false.
    /// </summary>
    [BooleanChoice]
    public bool StripEmailHeaders { get; set; }

    /// <summary>With <see cref="StripEmailHeaders"/>: keep the (decoded) Subject as the first line of the text. Default true.</summary>
    public bool KeepSubject { get; set; } = true;

    /// <summary>
    /// With <see cref="StripEmailHeaders"/>: header fields kept as <c>name: value</c> lines (decoded, in this order, after
    /// the Subject) in front of the body, e.g. <c>["From", "To", "List-Id", "Precedence"]</c> — the fields that tell
    /// mailing-list mail from spam when the body alone cannot. A field a message lacks is left out. Default none.
    /// </summary>
    public string[] KeepEmailHeaders { get; set; } = [];

    /// <summary>Remove emoji (pictographs, flags, keycaps, skin tones, variation selectors, joiners). Each emoji becomes a word break. Default false.</summary>
    [BooleanChoice]
    public bool RemoveEmoji { get; set; }

    /// <summary>Remove every Unicode symbol (math Sm, currency Sc, modifier Sk, other So — emoji included). Each becomes a word break. Default false.</summary>
    [BooleanChoice]
    public bool RemoveSymbols { get; set; }

    /// <summary>
    /// Remove ANSI/VT100 terminal escape sequences (colours and cursor moves such as <c>ESC[31;1m</c>, <c>ESC]0;title BEL</c>,
    /// the 8-bit CSI U+009B, and the caret form <c>^[[0m</c> that logs show when the escape byte was made printable) and
    /// apply backspaces the way a terminal does (<c>"ab\bc"</c> → <c>"ac"</c>, nroff's bold <c>"x\bx"</c> → <c>"x"</c>).
    /// Without it, <see cref="RemoveControlCharacters"/> drops only the escape byte and leaves <c>[31m</c> in the text.
    /// Default false.
    /// </summary>
    [BooleanChoice]
    public bool RemoveTerminalEscapes { get; set; }

    /// <summary>
    /// Full-width forms to half-width: full-width ASCII letters, digits and punctuation (U+FF01–U+FF5E, e.g. <c>ＡＢＣ１２３！</c>)
    /// to ASCII, the ideographic space U+3000 to a space, and ￠￡￢￣￤￥￦ to ¢£¬¯¦¥₩. NFKC (<see cref="UnicodeNormalization"/>)
    /// already does this; this switch does it alone, without NFKC's other changes. Chinese punctuation that has no ASCII
    /// twin (、。「」《》) is left to <see cref="PunctuationToAscii"/>. Default false. Cannot be combined with <see cref="FullWidth"/>.
    /// </summary>
    public bool HalfWidth { get; set; }

    /// <summary>
    /// ASCII letters, digits and punctuation (U+0021–U+007E) to their full-width forms (<c>ABC123!</c> → <c>ＡＢＣ１２３！</c>),
    /// as the last step (after NFKC, which would otherwise undo it, and after masking, so placeholders become full-width
    /// too); spaces stay ASCII spaces. Default false.
    /// </summary>
    public bool FullWidth { get; set; }

    /// <summary>
    /// Chinese punctuation to ASCII: ，、→ <c>,</c>  。→ <c>.</c>  ；：？！→ <c>; : ? !</c>  “”〝〞「」『』《》〈〉→ <c>"</c>  ‘’→ <c>'</c>
    /// （）→ <c>()</c>  【】〔〕〖〗［］→ <c>[]</c>  ～→ <c>~</c>  —→ <c>-</c>  …→ <c>...</c>  ·・→ <c>·</c>. Default false.
    /// Cannot be combined with <see cref="PunctuationToChinese"/>.
    /// </summary>
    [BooleanChoice]
    public bool PunctuationToAscii { get; set; }

    /// <summary>
    /// ASCII punctuation that follows a Chinese character to the Chinese form: <c>, . ; : ? !</c> → ，。；：？！, and
    /// <c>( )</c> next to a Chinese character → （）. Punctuation between Latin letters or digits (<c>3.14</c>, <c>e.g.</c>,
    /// URLs) is left alone. Runs after <see cref="UnicodeNormalization"/>, so NFKC no longer turns ，into <c>,</c>. Default false.
    /// </summary>
    public bool PunctuationToChinese { get; set; }

    /// <summary>Replace URLs (<c>http://</c>, <c>https://</c>, <c>ftp://</c>, <c>www.</c>) by <see cref="UrlToken"/>. Default false.</summary>
    [BooleanChoice]
    public bool MaskUrls { get; set; }

    /// <summary>Replace e-mail addresses by <see cref="EmailToken"/>. Default false.</summary>
    [BooleanChoice]
    public bool MaskEmails { get; set; }

    /// <summary>Replace numbers (digit runs, with <c>.</c> <c>,</c> <c>:</c> <c>/</c> <c>-</c> groups, not touching Latin or other alphabetic letters; touching Chinese characters is fine: 电话13800138000) by <see cref="NumberToken"/>. Default false.</summary>
    [BooleanChoice]
    public bool MaskNumbers { get; set; }

    /// <summary>The placeholder for a URL. Default <c>[url]</c>. Must be non-empty, without white space, digits, <c>@</c>, <c>&lt;</c> or <c>&amp;</c>.</summary>
    public string UrlToken { get; set; } = "[url]";

    /// <summary>The placeholder for an e-mail address. Default <c>[email]</c>. Same rules as <see cref="UrlToken"/>.</summary>
    public string EmailToken { get; set; } = "[email]";

    /// <summary>The placeholder for a number. Default <c>[number]</c>. Same rules as <see cref="UrlToken"/>.</summary>
    public string NumberToken { get; set; } = "[number]";

    /// <summary>A copy of these options.</summary>
    public TextNormalizerOptions Clone() => (TextNormalizerOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid property.</summary>
    public void Validate()
    {
        CheckToken(UrlToken, nameof(UrlToken));
        CheckToken(EmailToken, nameof(EmailToken));
        CheckToken(NumberToken, nameof(NumberToken));
        if (HalfWidth && FullWidth)
            throw new ArgumentException("TextNormalizerOptions.HalfWidth and FullWidth cannot both be on; choose one.", nameof(FullWidth));
        if (PunctuationToAscii && PunctuationToChinese)
            throw new ArgumentException("TextNormalizerOptions.PunctuationToAscii and PunctuationToChinese cannot both be on; choose one.", nameof(PunctuationToChinese));
        if (KeepEmailHeaders is null)
            throw new ArgumentException("TextNormalizerOptions.KeepEmailHeaders is null; use an empty list to keep no header field.", nameof(KeepEmailHeaders));
        if (KeepEmailHeaders.FirstOrDefault(f => string.IsNullOrWhiteSpace(f) || f.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-')) is { } bad)
            throw new ArgumentException($"TextNormalizerOptions.KeepEmailHeaders: '{bad}' is not a header field name (letters, digits and '-').", nameof(KeepEmailHeaders));
    }

    static void CheckToken(string? token, string name)
    {
        if (string.IsNullOrEmpty(token))
            throw new ArgumentException($"TextNormalizerOptions.{name} must be a non-empty placeholder.", name);
        foreach (char c in token)
        {
            if (char.IsWhiteSpace(c) || char.IsDigit(c) || c is '@' or '<' or '&' or '/' or ':' || char.IsControl(c))
                throw new ArgumentException(
                    $"TextNormalizerOptions.{name} '{token}' contains '{c}'; placeholders may not contain white space, digits, control characters, '@', '<', '&', '/' or ':' (they would be masked or stripped again).", name);
        }
    }

    string EmailSummary
    {
        get
        {
            var kept = (KeepSubject ? ["subject"] : Array.Empty<string>()).Concat(KeepEmailHeaders.Select(h => h.ToLowerInvariant())).ToArray();
            return kept.Length == 0 ? "email" : "email(" + string.Join(",", kept) + ")";
        }
    }

    /// <summary>Short JSON-friendly name list of the steps that are on (for logs).</summary>
    [JsonIgnore]
    public string Summary => string.Join(",", new[]
    {
        RemoveTerminalEscapes ? "ansi" : null, UnicodeNormalization ? "nfkc" : null, StripEmailHeaders ? EmailSummary : null,
        StripHtml ? "html" : null, HalfWidth ? "half-width" : null, FullWidth ? "full-width" : null, RemoveControlCharacters ? "controls" : null, RemoveEmoji ? "emoji" : null,
        RemoveSymbols ? "symbols" : null, CaseFolding ? "lower" : null,
        CollapseWhitespace ? (PreserveLineBreaks ? "whitespace(lines)" : "whitespace") : null,
        PunctuationToAscii ? "punct-ascii" : null, PunctuationToChinese ? "punct-zh" : null,
        MaskUrls ? "mask-url" : null, MaskEmails ? "mask-email" : null, MaskNumbers ? "mask-number" : null,
    }.Where(s => s != null));
}
