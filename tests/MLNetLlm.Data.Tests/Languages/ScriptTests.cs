using MLNetLlm.Data.Languages;

namespace MLNetLlm.Data.Tests.Languages;

public class ScriptTests
{
    [Theory]
    [InlineData("我来到北京清华大学", TextLanguage.Chinese)]
    [InlineData("我喜欢用 iPhone 拍照", TextLanguage.Chinese)]
    [InlineData("床前明月光，疑是地上霜。", TextLanguage.Chinese)]
    [InlineData("I visited 北京 last year", TextLanguage.English)]
    [InlineData("The quick brown fox", TextLanguage.English)]
    [InlineData("東京に行きました", TextLanguage.English)] // kana: Japanese, not Chinese
    [InlineData("12345 !!! 😀", TextLanguage.English)]   // no letters
    [InlineData("", TextLanguage.English)]
    public void DetectsChineseByTheShareOfHanCharacters(string text, TextLanguage expected) =>
        Assert.Equal(expected, ScriptDetector.Detect(text));

    [Fact]
    public void CollectionsAreJudgedOnAllTheirLetters()
    {
        Assert.Equal(TextLanguage.Chinese, ScriptDetector.Detect(["今天天气很好", "hello", "我们去公园散步吧"]));
        Assert.Equal(TextLanguage.English, ScriptDetector.Detect(["good morning everyone", "see you", "好"]));
        Assert.Equal(TextLanguage.Chinese, ScriptDetector.Resolve(TextLanguage.Chinese, "english words"));
    }

    [Fact]
    public void CharacterSegmenterSplitsHanPerCharacterAndKeepsLatinWordsAndEmojiWhole()
    {
        string text = "我爱NLP和GPT-4！👍🏽 ok";
        var words = CharacterWordSegmenter.Instance.Segment(text).Select(r => text.Substring(r.Start, r.Length)).ToArray();
        Assert.Equal(["我", "爱", "NLP", "和", "GPT", "-", "4", "！", "👍🏽", "ok"], words);
        Assert.Empty(CharacterWordSegmenter.Instance.Segment(""));
        Assert.Empty(CharacterWordSegmenter.Instance.Segment(" \t\n"));
    }
}
