using MLNetLlm.Chinese.Segmentation;

namespace MLNetLlm.Chinese.Tests.Segmentation;

public class JiebaWordSegmenterTests
{
    static readonly JiebaWordSegmenter Precise = JiebaWordSegmenter.Create();

    [Theory]
    [InlineData("我来到北京清华大学", "我/来到/北京/清华大学")]
    [InlineData("他来到了网易杭研大厦", "他/来到/了/网易/杭研/大厦")] // 杭研 is not in the dictionary: the HMM finds it
    [InlineData("小明硕士毕业于中国科学院计算所", "小明/硕士/毕业/于/中国科学院/计算所")]
    public void PreciseModeSegmentsKnownSentences(string text, string expected) =>
        Assert.Equal(expected, string.Join("/", Precise.Words(text)));

    [Fact]
    public void WithoutTheHmmUnknownWordsFallApart()
    {
        var noHmm = JiebaWordSegmenter.Create(new WordSegmentationOptions { UseHmm = false });
        Assert.Equal("他/来到/了/网易/杭/研/大厦", string.Join("/", noHmm.Words("他来到了网易杭研大厦")));
    }

    [Fact]
    public void SearchModeAddsDictionarySubWordsBeforeEachWord()
    {
        var search = JiebaWordSegmenter.Create(new WordSegmentationOptions { Mode = SegmentationMode.Search });
        var words = search.Words("我来到北京清华大学");
        Assert.Equal("我/来到/北京/清华/华大/大学/清华大学", string.Join("/", words));
        // every search word is a substring of the text; precise words are a subsequence of the search words
        Assert.All(words, w => Assert.Contains(w, "我来到北京清华大学"));
    }

    [Fact]
    public void JoinGivesSpaceSeparatedWordsForFeaturizeText()
    {
        Assert.Equal("我 来到 北京 清华大学", Precise.Join("我来到北京清华大学"));
        var custom = JiebaWordSegmenter.Create(new WordSegmentationOptions { Separator = " | " });
        Assert.Equal("我 | 来到 | 北京 | 清华大学", custom.Join("我来到北京清华大学"));
    }

    [Fact]
    public void MixedScriptTextKeepsLatinWordsNumbersAndEmojiWholeAndDropsWhiteSpace()
    {
        var words = Precise.Words("我用 iPhone 15 拍照😀，效果很好👍🏽！");
        Assert.Contains("iPhone", words);
        Assert.Contains("15", words);
        Assert.Contains("😀", words);
        Assert.Contains("👍🏽", words);
        Assert.DoesNotContain(words, w => string.IsNullOrWhiteSpace(w));
        Assert.All(words, w => Assert.False(char.IsLowSurrogate(w[0]) || char.IsHighSurrogate(w[^1]), $"split surrogate pair in '{w}'"));
        Assert.Equal("我用iPhone15拍照😀，效果很好👍🏽！", string.Concat(words));
    }

    [Fact]
    public void EmptyAndPunctuationOnlyInput()
    {
        Assert.Empty(Precise.Words(""));
        Assert.Empty(Precise.Words(null));
        Assert.Empty(Precise.Words("   \n\t"));
        Assert.Equal("", Precise.Join(""));
        Assert.Equal(["，", "。", "！", "？"], Precise.Words("，。！？"));
        var noPunct = JiebaWordSegmenter.Create(new WordSegmentationOptions { RemovePunctuation = true });
        Assert.Empty(noPunct.Words("，。！？……"));
        Assert.Equal("今天 天气 很 好", noPunct.Join("今天，天气很好！"));
    }

    [Fact]
    public void UnpairedSurrogatesBecomeReplacementCharactersInsteadOfCorruptWords()
    {
        var words = Precise.Words("北京\uD800大学\uDC00");
        Assert.Equal("北京/\uFFFD/大学/\uFFFD", string.Join("/", words));
        var ranges = Precise.Segment("北京\uD800大学");
        Assert.Equal([(0, 2), (2, 1), (3, 2)], ranges);
    }

    [Fact]
    public void SegmentRangesAreThePreciseWordsInOrderWithoutWhiteSpace()
    {
        string text = "  今天是 2024 年，我们在 GitHub 上发布了 MLNetLlm 🎉🎉 版本。 ";
        var ranges = Precise.Segment(text);
        var words = ranges.Select(r => text.Substring(r.Start, r.Length)).ToArray();
        Assert.Equal(Precise.Words(text), words);
        for (int i = 1; i < ranges.Count; i++) Assert.True(ranges[i].Start >= ranges[i - 1].Start + ranges[i - 1].Length);
    }

    [Fact]
    public void AUserDictionaryKeepsItsWordsWhole()
    {
        // A made-up word that only this test adds (jieba's dictionary is process-wide).
        const string sentence = "蓝鲸七号站今天开放参观";
        Assert.DoesNotContain("蓝鲸七号站", Precise.Words(sentence));
        string file = Path.Combine(Path.GetTempPath(), $"userdict-{Guid.NewGuid():N}.txt");
        File.WriteAllText(file, "# test words\n蓝鲸七号站 10 nz\n\n开放参观\n");
        try
        {
            var withDictionary = JiebaWordSegmenter.Create(new WordSegmentationOptions { UserDictionaryPath = file });
            Assert.Equal("蓝鲸七号站/今天/开放参观", string.Join("/", withDictionary.Words(sentence)));
        }
        finally { File.Delete(file); }
    }

    [Theory]
    [InlineData("词语 12 n extra", "line 1", "4 fields")]
    [InlineData("好词\n词语 12x", "line 2", "frequency '12x'")]
    [InlineData("词语 5 N1", "line 1", "tag 'N1'")]
    [InlineData("# only a comment\n\n", "no words", "")]
    public void MalformedUserDictionariesFailNamingFileAndLine(string content, string where, string what)
    {
        string file = Path.Combine(Path.GetTempPath(), $"userdict-bad-{Guid.NewGuid():N}.txt");
        File.WriteAllText(file, content);
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => JiebaWordSegmenter.Create(new WordSegmentationOptions { UserDictionaryPath = file }));
            Assert.Contains(file, ex.Message);
            Assert.Contains(where, ex.Message);
            Assert.Contains(what, ex.Message);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void BadOptionsNameTheOption()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => JiebaWordSegmenter.Create(new WordSegmentationOptions { UserDictionaryPath = "/no/such/dict.txt" }));
        Assert.Contains("UserDictionaryPath", missing.Message);
        Assert.Equal("Separator", Assert.Throws<ArgumentException>(() => JiebaWordSegmenter.Create(new WordSegmentationOptions { Separator = "" })).ParamName);
        Assert.Equal("Separator", Assert.Throws<ArgumentException>(() => JiebaWordSegmenter.Create(new WordSegmentationOptions { Separator = "x" })).ParamName);
        Assert.Equal("Mode", Assert.Throws<ArgumentOutOfRangeException>(() => JiebaWordSegmenter.Create(new WordSegmentationOptions { Mode = (SegmentationMode)7 })).ParamName);
    }

    [Fact]
    public void TheDictionaryIsExtractedToAFolderThatHoldsJiebasFiles()
    {
        string dir = JiebaWordSegmenter.DictionaryDirectory;
        Assert.True(new FileInfo(Path.Combine(dir, "dict.txt")).Length > 1_000_000);
        Assert.True(File.Exists(Path.Combine(dir, "prob_emit.json")));
    }
}
