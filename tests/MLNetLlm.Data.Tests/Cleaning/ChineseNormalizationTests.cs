using MLNetLlm.Data.Cleaning;

namespace MLNetLlm.Data.Tests.Cleaning;

public class ChineseNormalizationTests
{
    static string N(string text, Action<TextNormalizerOptions> set)
    {
        var o = new TextNormalizerOptions();
        set(o);
        return TextNormalizer.Normalize(text, o);
    }

    [Fact]
    public void TheNewSwitchesAreOffByDefaultSoOldBehaviourStays()
    {
        var o = new TextNormalizerOptions();
        Assert.False(o.RemoveTerminalEscapes || o.HalfWidth || o.FullWidth || o.PunctuationToAscii || o.PunctuationToChinese);
        // NFKC (on by default) already folds full-width forms, but leaves 、。「」 alone, as before.
        Assert.Equal("hello,世界。「你好」!", TextNormalizer.Normalize("ＨＥＬＬＯ，世界。「你好」！"));
    }

    [Theory]
    [InlineData("ＡＢＣ１２３！？", "ABC123!?")]
    [InlineData("价格：￥１００　元", "价格:¥100 元")]
    [InlineData("（ｉＰｈｏｎｅ）", "(iPhone)")]
    [InlineData("中文。、「」", "中文。、「」")] // no half-width twin: left to PunctuationToAscii
    public void HalfWidthAloneWithoutNfkc(string input, string expected) =>
        Assert.Equal(expected, N(input, o => { o.UnicodeNormalization = false; o.CaseFolding = false; o.HalfWidth = true; }));

    [Theory]
    [InlineData("ABC123!?", "ａｂｃ１２３！？")] // case folding (on by default) first
    [InlineData("用 iPhone 12 拍照", "用 ｉｐｈｏｎｅ １２ 拍照")]
    public void FullWidthAfterNfkcAndCaseFolding(string input, string expected) =>
        Assert.Equal(expected, N(input, o => o.FullWidth = true));

    [Fact]
    public void FullAndHalfWidthRoundTripOnEveryPrintableAsciiCharacter()
    {
        string ascii = new(Enumerable.Range(0x21, 0x7E - 0x21 + 1).Select(c => (char)c).ToArray());
        string full = N(ascii, o => { o.UnicodeNormalization = false; o.CaseFolding = false; o.FullWidth = true; });
        Assert.Equal(ascii.Length, full.Length);
        Assert.All(full, c => Assert.InRange(c, '\uFF01', '\uFF5E'));
        Assert.Equal(ascii, N(full, o => { o.UnicodeNormalization = false; o.CaseFolding = false; o.HalfWidth = true; }));
        // NFKC gives the same half-width text as HalfWidth does on these characters.
        Assert.Equal(ascii, N(full, o => o.CaseFolding = false));
    }

    [Theory]
    [InlineData("你好，世界！“引号”（括号）【方括号】《书名》：；？……——～", "你好,世界!\"引号\"(括号)[方括号]\"书名\":;?......--~")]
    [InlineData("一、二、三。", "一,二,三.")]
    public void PunctuationToAsciiMapsChinesePunctuation(string input, string expected) =>
        Assert.Equal(expected, N(input, o => { o.UnicodeNormalization = false; o.PunctuationToAscii = true; }));

    [Theory]
    [InlineData("你好,世界!今天天气怎么样?", "你好，世界！今天天气怎么样？")]
    [InlineData("价格是3.14元.", "价格是3.14元。")]            // the decimal point stays
    [InlineData("see e.g. 例子(样本)", "see e.g. 例子（样本）")] // punctuation between Latin letters stays
    [InlineData("网址 http://a.example.com/x 很好.", "网址 http://a.example.com/x 很好。")]
    [InlineData("等等...", "等等...")]                         // an ellipsis is not a full stop
    public void PunctuationToChineseOnlyNextToChinese(string input, string expected) =>
        Assert.Equal(expected, N(input, o => o.PunctuationToChinese = true));

    [Fact]
    public void PunctuationToChineseWithNfkcOnRestoresWhatNfkcFoldedAndIsIdempotent()
    {
        var o = new TextNormalizerOptions { PunctuationToChinese = true };
        string once = TextNormalizer.Normalize("你好，ＷＯＲＬＤ！", o);
        Assert.Equal("你好，world!", once); // "!" follows a Latin letter: it stays ASCII
        Assert.Equal(once, TextNormalizer.Normalize(once, o));
    }

    [Theory]
    [InlineData("\u001b[31;1m错误\u001b[0m: 文件未找到", "错误: 文件未找到")]
    [InlineData("\u001b]0;窗口标题\u0007正文", "正文")]
    [InlineData("\u001b]8;;http://x\u001b\\链接\u001b]8;;\u001b\\", "链接")]
    [InlineData("^[[32m成功^[[0m", "成功")]
    [InlineData("\u009b1m粗体\u009b0m", "粗体")]
    [InlineData("ab\bc", "ac")]
    [InlineData("B\bBo\bol\bld\bd", "Bold")]
    [InlineData("进度 50%\u001b[K\u001b[2A完成", "进度 50%完成")]
    [InlineData("\u001b(B普通\u001b7文本\u001b8", "普通文本")]
    public void TerminalEscapesAreStripped(string input, string expected) =>
        Assert.Equal(expected, N(input, o => { o.RemoveTerminalEscapes = true; o.CaseFolding = false; }));

    [Fact]
    public void WithoutTheSwitchOnlyTheEscapeByteGoesAndTheResidueStays()
    {
        Assert.Equal("[31m错误[0m", TextNormalizer.Normalize("\u001b[31m错误\u001b[0m"));
    }

    [Fact]
    public void EmojiAreRemovedFromChineseTextWithoutSplittingWords()
    {
        var o = new TextNormalizerOptions { RemoveEmoji = true };
        Assert.Equal("太好吃了 推荐!", TextNormalizer.Normalize("太好吃了😋👍🏽推荐！", o));
        Assert.Equal("一家人 出游", TextNormalizer.Normalize("一家人👨‍👩‍👧出游", o));
    }

    [Fact]
    public void MixedChineseEnglishTextKeepsNfkcCaseAndWhitespaceBehaviour()
    {
        string text = "  我在 ＧｉｔＨｕｂ 上\t看到\u3000了   Ｃ＃ 和 .NET 10 的  新特性\n\n";
        Assert.Equal("我在 github 上 看到 了 c# 和 .net 10 的 新特性", TextNormalizer.Normalize(text));
        var keepLines = new TextNormalizerOptions { PreserveLineBreaks = true, CaseFolding = false };
        Assert.Equal("第一行 English\n第二行", TextNormalizer.Normalize("第一行   English \n\n 第二行", keepLines));
    }

    [Fact]
    public void MasksWorkInsideChineseTextWithoutSpaces()
    {
        var o = new TextNormalizerOptions { MaskNumbers = true, MaskUrls = true, MaskEmails = true };
        Assert.Equal("电话 [number],邮箱 [email] 网址 [url] 谢谢", TextNormalizer.Normalize("电话 13800138000，邮箱 a.b@example.cn 网址 https://example.cn/x 谢谢", o));
    }

    [Theory]
    [InlineData("电话13800138000转8", "电话[number]转[number]")]
    [InlineData("共3.5万元", "共[number]万元")]
    [InlineData("iPhone12 和 x1", "iphone12 和 x1")] // digits touching Latin letters are part of a word, as before
    public void NumbersTouchingChineseCharactersAreMasked(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input, new TextNormalizerOptions { MaskNumbers = true }));

    [Fact]
    public void InvalidSurrogatesBecomeReplacementCharactersInChineseText()
    {
        Assert.Equal("中\uFFFD文", TextNormalizer.Normalize("中\uD800文", new TextNormalizerOptions { HalfWidth = true, PunctuationToAscii = true }));
    }

    [Theory]
    [InlineData(true, true, false, false, "FullWidth")]
    [InlineData(false, false, true, true, "PunctuationToChinese")]
    public void ConflictingSwitchesNameTheOption(bool half, bool full, bool toAscii, bool toChinese, string named)
    {
        var o = new TextNormalizerOptions { HalfWidth = half, FullWidth = full, PunctuationToAscii = toAscii, PunctuationToChinese = toChinese };
        var ex = Assert.Throws<ArgumentException>(() => TextNormalizer.Normalize("x", o));
        Assert.Contains(named, ex.Message);
        Assert.Equal(named, ex.ParamName);
    }

    [Fact]
    public void NormalizingTwiceEqualsNormalizingOnceWithEveryChineseSwitch()
    {
        string[] samples = ["你好,World!（测试）\u001b[1m粗\u001b[0m", "ＡＢＣ，。、１２３", "价格3.14元.", "😀表情😀", "“引号”‘单’"];
        foreach (var make in new Func<TextNormalizerOptions>[]
        {
            () => new() { HalfWidth = true, PunctuationToAscii = true, RemoveTerminalEscapes = true },
            () => new() { FullWidth = true, RemoveEmoji = true },
            () => new() { PunctuationToChinese = true, MaskNumbers = true },
            () => new() { FullWidth = true, MaskNumbers = true, PunctuationToChinese = true },
        })
            foreach (var s in samples)
            {
                var o = make();
                string once = TextNormalizer.Normalize(s, o);
                Assert.Equal(once, TextNormalizer.Normalize(once, o));
            }
    }
}
