using System.Text.Json.Serialization;
using MLNetLlm.SearchSpaces;

namespace MLNetLlm.Data.Cleaning;

/// <summary>
/// What <see cref="TextNormalizer"/> does to a text. A plain options class: every property is a boolean switch (those marked
/// <see cref="BooleanChoiceAttribute"/> are searched by AutoML) or a placeholder string; defaults are the values below.
/// </summary>
/// <remarks>
/// The steps always run in this order: invalid UTF-16 (lone surrogates) → U+FFFD; Unicode NFKC;
/// e-mail header stripping and MIME decoding; HTML to text; control/format character, emoji and symbol removal;
/// case folding; whitespace collapse; URL, e-mail and number masking. With <see cref="CollapseWhitespace"/> on,
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

    /// <summary>Remove emoji (pictographs, flags, keycaps, skin tones, variation selectors, joiners). Each emoji becomes a word break. Default false.</summary>
    [BooleanChoice]
    public bool RemoveEmoji { get; set; }

    /// <summary>Remove every Unicode symbol (math Sm, currency Sc, modifier Sk, other So — emoji included). Each becomes a word break. Default false.</summary>
    [BooleanChoice]
    public bool RemoveSymbols { get; set; }

    /// <summary>Replace URLs (<c>http://</c>, <c>https://</c>, <c>ftp://</c>, <c>www.</c>) by <see cref="UrlToken"/>. Default false.</summary>
    [BooleanChoice]
    public bool MaskUrls { get; set; }

    /// <summary>Replace e-mail addresses by <see cref="EmailToken"/>. Default false.</summary>
    [BooleanChoice]
    public bool MaskEmails { get; set; }

    /// <summary>Replace numbers (digit runs, with <c>.</c> <c>,</c> <c>:</c> <c>/</c> <c>-</c> groups, not touching letters) by <see cref="NumberToken"/>. Default false.</summary>
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

    /// <summary>Short JSON-friendly name list of the steps that are on (for logs).</summary>
    [JsonIgnore]
    public string Summary => string.Join(",", new[]
    {
        UnicodeNormalization ? "nfkc" : null, StripEmailHeaders ? (KeepSubject ? "email(subject)" : "email") : null,
        StripHtml ? "html" : null, RemoveControlCharacters ? "controls" : null, RemoveEmoji ? "emoji" : null,
        RemoveSymbols ? "symbols" : null, CaseFolding ? "lower" : null,
        CollapseWhitespace ? (PreserveLineBreaks ? "whitespace(lines)" : "whitespace") : null,
        MaskUrls ? "mask-url" : null, MaskEmails ? "mask-email" : null, MaskNumbers ? "mask-number" : null,
    }.Where(s => s != null));
}
