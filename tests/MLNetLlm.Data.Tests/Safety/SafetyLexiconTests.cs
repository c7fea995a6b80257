using MLNetLlm.Data.Safety;

namespace MLNetLlm.Data.Tests.Safety;

public sealed class SafetyLexiconTests
{
    static string[] Terms(SafetyLexicon lexicon, string text) => lexicon.Match(text).Select(m => m.Term).ToArray();

    [Theory]
    [InlineData("FREE MONEY now")]
    [InlineData("Free Money")]
    [InlineData("get free\t\n  money")]          // runs of white space are one space
    [InlineData("ＦＲＥＥ　ｍｏｎｅｙ")]               // full-width letters and the ideographic space (NFKC)
    [InlineData("fréé mönéy")]                    // accents
    [InlineData("(free money!)")]                 // punctuation is a boundary
    public void MatchesIgnoringCaseAccentsWidthAndSpacing(string text) =>
        Assert.Equal(["free money"], Terms(SafetyLexicon.FromTerms(["free money"]), text));

    [Fact]
    public void AnAccentedTermMatchesPlainTextToo()
    {
        var lexicon = SafetyLexicon.FromTerms(["Café crème"]);
        Assert.Single(lexicon.Match("cafe creme"));
        Assert.Single(lexicon.Match("CAFÉ CRÈME"));
        Assert.Single(lexicon.Match("cafe\u0301 cre\u0300me")); // decomposed accents
    }

    [Theory]
    [InlineData("first class service", 0)]
    [InlineData("an assistant", 0)]
    [InlineData("bass", 0)]
    [InlineData("ass", 1)]
    [InlineData("you ass!", 1)]
    [InlineData("ass-hat, ass.", 2)]
    [InlineData("ass_hat", 0)] // '_' joins words as in regex \w
    public void LatinTermsMatchOnlyOnWordBoundaries(string text, int count) =>
        Assert.Equal(count, SafetyLexicon.FromTerms(["ass"]).Match(text).Count);

    [Fact]
    public void CjkTermsMatchWithoutWordBoundaries()
    {
        var lexicon = SafetyLexicon.FromTerms(["赌博", "viagra"]);
        Assert.Equal(["赌博"], Terms(lexicon, "这是网上赌博网站"));          // inside a run of Han characters
        Assert.Equal(["viagra"], Terms(lexicon, "便宜买viagra很快"));         // a Latin term between Han characters
        Assert.Empty(lexicon.Match("viagraless"));                          // but not inside a Latin word
        Assert.Equal(["賭博"], Terms(SafetyLexicon.FromTerms(["賭博"]), "賭博")); // another form is another term …
        Assert.Empty(SafetyLexicon.FromTerms(["賭博"]).Match("赌博"));          // … traditional and simplified are not merged
        Assert.Equal(["カジノ"], Terms(SafetyLexicon.FromTerms(["カジノ"]), "ｶｼﾞﾉで遊ぶ")); // half-width katakana (NFKC)
        Assert.Empty(SafetyLexicon.FromTerms(["カジノ"]).Match("カシノ"));                   // voicing marks are not accents
    }

    [Fact]
    public void OverlappingTermsAreAllReported()
    {
        var lexicon = SafetyLexicon.FromTerms(["free money", "money back", "money"]);
        var matches = lexicon.Match("Free money back guaranteed");
        Assert.Equal(["free money", "money back", "money"], matches.Select(m => m.Term)); // by position, then lexicon line
        Assert.Equal([0, 5, 5], matches.Select(m => m.Index));
        // the same term overlapping itself
        Assert.Equal([0, 3], SafetyLexicon.FromTerms(["ha ha"]).Match("ha ha ha").Select(m => m.Index));
    }

    [Fact]
    public void TheFileGivesActionsAndLines()
    {
        var lexicon = SafetyLexicon.Parse("# comment\n\nblock: casino\nflag: lottery\nwinner\n", "lex.txt", SafetyAction.Flag);
        Assert.Equal(3, lexicon.Count);
        var m = lexicon.Match("casino lottery winner");
        Assert.Equal([(SafetyAction.Block, 3), (SafetyAction.Flag, 4), (SafetyAction.Flag, 5)], m.Select(x => (x.Action, x.Line)));
    }

    [Theory]
    [InlineData("casino\nblock:\n", 2, "the term is empty")]
    [InlineData("casino\n\n  flag:   \n", 3, "the term is empty")]
    [InlineData("casino\n\u0301\u0300\n", 2, "nothing left to match")]
    [InlineData("# only comments\n\n", 0, "no terms")]
    public void ABadLexiconNamesFileAndLine(string text, int line, string message)
    {
        var ex = Assert.Throws<SafetyFileException>(() => SafetyLexicon.Parse(text, "lex.txt"));
        Assert.Equal(line, ex.Line);
        Assert.StartsWith(line > 0 ? $"lex.txt:{line}: " : "lex.txt: ", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void AMissingLexiconFileIsNamed()
    {
        var ex = Assert.Throws<SafetyFileException>(() => SafetyLexicon.Load("/nonexistent/lex.txt"));
        Assert.Equal("/nonexistent/lex.txt: the lexicon file does not exist.", ex.Message);
    }
}
