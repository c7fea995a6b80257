using System.Text;
using CsCheck;
using MLNetLlm.Data.Cleaning;

namespace MLNetLlm.Data.Tests.Cleaning;

public class TextNormalizerTests
{
    static readonly string[] Fragments =
    [
        "Hello", "WORLD", " ", "  ", "\t", "\n", "\n\n", "\r\n", "<b>", "</b>", "<p>", "<br/>", "<script>var x=1;</script>",
        "<style>p{}</style>", "<!-- note -->", "&amp;", "&lt;b&gt;", "&amp;lt;i&amp;gt;", "&#xFF1C;p>", "&#65;", "&nbsp;",
        "&bogus;", "&#xD800;", "a<b", "x > y", "Ｈｅｌｌｏ", "ﬁ", "İ", "ß", "Σ", "℡", "Ⅸ", "㎏", "\u0000", "\u0007", "\u200B",
        "\uFEFF", "😀", "👍🏽", "🇫🇷", "©", "$", "+", "\uD800", "\uDC00", "http://example.com/a?b=1.", "www.test.org",
        "joe@mail.example.com", "12,345.67", "2002-08-22", "v2", "From: a@b.c\nTo: d@e.f\nSubject: Hi\n\n",
        "Content-Type: text/plain\n", "=3D", "[url]", "é", "e\u0301", "\u2028", "Ǆ", "ǅ", "ﬃ", "\u00AD",
    ];

    static readonly Gen<string> Texts = Gen.OneOf(
        Gen.OneOf(Fragments).Array[0, 12].Select(parts => string.Concat(parts)),
        Gen.String,
        Gen.Char.Array[0, 40].Select(cs => new string(cs)));

    static readonly Gen<TextNormalizerOptions> AnyOptions =
        Gen.Select(Gen.Bool.Array[12, 12], b => new TextNormalizerOptions
        {
            UnicodeNormalization = b[0], CaseFolding = b[1], CollapseWhitespace = true, PreserveLineBreaks = b[2],
            RemoveControlCharacters = b[3], StripHtml = b[4], StripEmailHeaders = b[5], KeepSubject = b[6],
            RemoveEmoji = b[7], RemoveSymbols = b[8], MaskUrls = b[9], MaskEmails = b[10], MaskNumbers = b[11],
        });

    [Fact]
    public void NormalizingTwiceGivesTheSameTextForAnyTextAndOptions()
    {
        Gen.Select(Texts, AnyOptions).Sample((text, options) =>
        {
            string once = TextNormalizer.Normalize(text, options);
            string twice = TextNormalizer.Normalize(once, options);
            Assert.Equal(once, twice);
        }, iter: 3000, print: t => $"{Escape(t.Item1)} with {t.Item2.Summary}");
    }

    [Fact]
    public void OutputIsValidUTF16WithoutControlsOrRunsOfSpaces()
    {
        Gen.Select(Texts, AnyOptions).Sample((text, options) =>
        {
            string s = TextNormalizer.Normalize(text, options);
            Assert.Equal(s.Trim(), s);
            Assert.False(s.Contains("  ", StringComparison.Ordinal), "run of spaces");
            for (int i = 0; i < s.Length; i++)
            {
                Assert.False(char.IsSurrogate(s[i]) && !char.IsSurrogatePair(s, i > 0 && char.IsLowSurrogate(s[i]) ? i - 1 : i), "lone surrogate");
                if (char.IsLowSurrogate(s[i]) && i > 0 && char.IsHighSurrogate(s[i - 1])) continue;
                if (options.RemoveControlCharacters) Assert.False(char.IsControl(s[i]) && s[i] != '\n', $"control U+{(int)s[i]:X4}");
            }
            _ = Encoding.UTF8.GetBytes(s); // encodable
        }, iter: 2000, print: t => Escape(t.Item1));
    }

    [Theory]
    [InlineData("  Ｈｅｌｌｏ\t\tＷｏｒｌｄ  ", "hello world")]
    [InlineData("ﬁne ﬃx ㎏", "fine ffix kg")]
    [InlineData("<html><head><style>p {color:red}</style><script>alert('x<y')</script></head><body><p>Caf&eacute; &amp; <b>Bar</b></p><p>Next&#33;</p></body></html>", "café & bar next!")]
    [InlineData("<!-- hidden --><div>a</div><div>b</div>", "a b")]
    [InlineData("x<y and y>z", "x<y and y>z")]
    [InlineData("zero\u200Bwidth\u0000 soft\u00ADhyphen", "zerowidth softhyphen")]
    public void DefaultOptions(string input, string expected) => Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Fact]
    public void MasksUrlsEmailsAndNumbersWithPlaceholders()
    {
        var o = new TextNormalizerOptions { MaskUrls = true, MaskEmails = true, MaskNumbers = true };
        Assert.Equal("see [url]. mail [email] by [number] or call [number], not v2",
            TextNormalizer.Normalize("See https://Example.com/path?q=1. Mail Joe.Doe+x@mail.example.org by 2002-08-22 or call 555-1234, not v2", o));
        Assert.Equal("visit [url] now", TextNormalizer.Normalize("visit www.spam.biz/buy now", o));
    }

    [Fact]
    public void RemovesEmojiAndSymbolsOnlyWhenAsked()
    {
        Assert.Equal("i 😀 it 👍🏽", TextNormalizer.Normalize("I 😀 it 👍🏽"));
        Assert.Equal("i love it ok $5", TextNormalizer.Normalize("I ❤️love it 👍🏽ok 🇫🇷 $5", new() { RemoveEmoji = true }));
        Assert.Equal("a b 5 c", TextNormalizer.Normalize("a+b $5 ©c", new() { RemoveSymbols = true }));
    }

    [Fact]
    public void CaseFoldingAndWhitespaceAreOptions()
    {
        var o = new TextNormalizerOptions { CaseFolding = false, CollapseWhitespace = false };
        Assert.Equal("  Hello\t World ", TextNormalizer.Normalize("  Hello\t World ", o));
        Assert.Equal("a\nb c", TextNormalizer.Normalize("a \r\n\n b   c", new() { PreserveLineBreaks = true }));
    }

    [Fact]
    public void StripsEmailHeadersAndDecodesMimeParts()
    {
        string mail = """
            From someone@example.com  Thu Aug 22 12:36:23 2002
            Return-Path: <someone@example.com>
            Received: from mail.example.com
            	by localhost with SMTP
            From: "Some One" <someone@example.com>
            Subject: =?utf-8?B?Q2Fmw6kgb2ZmZXI=?=
            Content-Type: multipart/alternative; boundary="XYZ"

            This is a multi-part message in MIME format.
            --XYZ
            Content-Type: text/plain; charset=iso-8859-1
            Content-Transfer-Encoding: quoted-printable

            Caf=E9 prices are=
             down 50=25!
            --XYZ
            Content-Type: text/html

            <p>HTML copy</p>
            --XYZ--
            """;
        var o = new TextNormalizerOptions { StripEmailHeaders = true };
        Assert.Equal("café offer café prices are down 50%!", TextNormalizer.Normalize(mail, o));
        Assert.Equal("café prices are down 50%!", TextNormalizer.Normalize(mail, new() { StripEmailHeaders = true, KeepSubject = false }));
    }

    [Fact]
    public void KeptHeaderFieldsComeDecodedAfterTheSubjectInTheGivenOrder()
    {
        string mail = "Received: from mx.example.com\nFrom: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>\nTo: list@example.org\n" +
            "Subject: Weekly digest\nList-Id: Tips\n <tips.example.org>\nPrecedence: bulk\n\nHello there.\n";
        var o = new TextNormalizerOptions { StripEmailHeaders = true, KeepEmailHeaders = ["Precedence", "from", "LIST-ID", "X-Absent"] };
        Assert.Equal("weekly digest precedence: bulk from: jürgen <j@example.com> list-id: tips <tips.example.org> hello there.", TextNormalizer.Normalize(mail, o));
        Assert.Equal("email(subject,precedence,from,list-id,x-absent)", o.Summary.Split(',', 2)[1].Split(",html")[0]);
        var noSubject = new TextNormalizerOptions { StripEmailHeaders = true, KeepSubject = false, KeepEmailHeaders = ["To"] };
        Assert.Equal("to: list@example.org hello there.", TextNormalizer.Normalize(mail, noSubject));
        Assert.Equal("hello there.", TextNormalizer.Normalize(mail, new() { StripEmailHeaders = true, KeepSubject = false }));
        Assert.Equal("not a mail", TextNormalizer.Normalize("Not a mail", o)); // no header block: nothing to keep
        Assert.Throws<ArgumentException>(() => new TextNormalizerOptions { StripEmailHeaders = true, KeepEmailHeaders = ["List Id"] }.Validate());
    }

    [Fact]
    public void DecodesBase64PartsAndDropsAttachments()
    {
        string body = Convert.ToBase64String(Encoding.UTF8.GetBytes("Grüße aus Köln"));
        string mail = "From: a@example.com\nTo: b@example.com\nSubject: x\nContent-Type: multipart/mixed; boundary=b1\n\n--b1\n" +
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + body + "\n--b1\n" +
            "Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b1--\n";
        Assert.Equal("grüße aus köln", TextNormalizer.Normalize(mail, new() { StripEmailHeaders = true, KeepSubject = false }));
    }

    [Fact]
    public void DecodesEastAsianCharsetsAndDropsBounceHeaders()
    {
        // "你好" in Big5 and "안녕하세요" in EUC-KR, base64-encoded by Python's codecs (an independent reference).
        string mail = "From: a@example.com\nSubject: =?big5?B?p0Gmbg==?=\nContent-Type: multipart/report; boundary=r\n\n--r\n" +
            "Content-Type: text/plain; charset=euc-kr\nContent-Transfer-Encoding: base64\n\nvsiz58fPvLy/5A==\n--r\n" +
            "Content-Type: text/rfc822-headers\n\nReceived: from relay.example.com\nSubject: original\n--r--\n";
        Assert.Equal("你好\n안녕하세요", TextNormalizer.Normalize(mail, new() { StripEmailHeaders = true, PreserveLineBreaks = true }));
    }

    [Fact]
    public void TextThatIsNotAnEmailKeepsItsFirstLines()
    {
        var o = new TextNormalizerOptions { StripEmailHeaders = true };
        Assert.Equal("note: buy milk thanks", TextNormalizer.Normalize("Note: buy milk\n\nthanks", o));
        Assert.Equal("subject: a from: b", TextNormalizer.Normalize("Subject: a\nFrom: b", o)); // no blank line: no header block
    }

    [Fact]
    public void BadInputHasADocumentedResult()
    {
        Assert.Equal("", TextNormalizer.Normalize(null));
        Assert.Equal("", TextNormalizer.Normalize(""));
        Assert.Equal("", TextNormalizer.Normalize(" \t\r\n "));
        Assert.Equal("a\uFFFDb\uFFFD", TextNormalizer.Normalize("a\uD800b\uDC00"));
        Assert.Equal("😀", TextNormalizer.Normalize("\uD83D\uDE00"));
        Assert.Throws<ArgumentException>(() => TextNormalizer.Normalize("x", new() { UrlToken = "my url" }));
        Assert.Throws<ArgumentException>(() => new TextNormalizerOptions { NumberToken = "" }.Validate());
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void TenMegabyteDocumentIsNormalizedLinearly()
    {
        var sb = new StringBuilder(10_500_000);
        while (sb.Length < 10_000_000) sb.Append("<p>Ｆｒｅｅ &amp; <b>CHEAP</b> meds at http://x.example.com/?id=1 — call 555-1234 now!</p>\n");
        var o = new TextNormalizerOptions { MaskUrls = true, MaskNumbers = true };
        string s = TextNormalizer.Normalize(sb.ToString(), o);
        Assert.StartsWith("free & cheap meds at [url] — call [number] now!", s);
        Assert.Equal(s, TextNormalizer.Normalize(s, o));
    }

    static string Escape(string? s) => s == null ? "null" : string.Concat(s.Select(c => c < 32 || c > 126 ? $"\\u{(int)c:X4}" : c.ToString()));
}
