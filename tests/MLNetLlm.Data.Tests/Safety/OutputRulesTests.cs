using MLNetLlm.Data.Safety;

namespace MLNetLlm.Data.Tests.Safety;

public sealed class OutputRulesTests
{
    const string RuleText = """
        # a comment
        abstain below 0.7
        review when "lawyer", "lawsuit"
        never spam when "invoice", "receipt"
        review when flagged
        never spam when /order\s+#?\d+/ then ham
        never ham when "password reset" then abstain
        """;

    static OutputConstraintTransformer Constraint(string rules = RuleText) =>
        new OutputConstraintEstimator(OutputRules.Parse(rules, "rules.txt"), new OutputConstraintOptions { ClassNames = ["ham", "spam"] })
            .Fit(new Microsoft.ML.MLContext(0).Data.LoadFromEnumerable(new[] { new Row() }));

    sealed class Row
    {
        public bool PredictedLabel { get; set; }
        public float Probability { get; set; }
        public string Text { get; set; } = "";
    }

    [Fact]
    public void TheRulesAreParsedWithTheirLines()
    {
        var rules = OutputRules.Parse(RuleText, "rules.txt").Rules;
        Assert.Equal([2, 3, 4, 5, 6, 7], rules.Select(r => r.Line));
        Assert.Equal([OutputRuleKind.Abstain, OutputRuleKind.Review, OutputRuleKind.Never, OutputRuleKind.Review, OutputRuleKind.Never, OutputRuleKind.Never],
            rules.Select(r => r.Kind));
        Assert.Equal("rules.txt:4: never spam when \"invoice\", \"receipt\"", rules[2].Name);
    }

    [Fact]
    public void NoRuleFiringKeepsThePrediction() =>
        Assert.Equal((SafetyDecision.Predict, "spam", ""), Constraint().Decide("spam", 0.9, "cheap pills"));

    [Fact]
    public void ABlockedInputComesBeforeEveryRule() =>
        Assert.Equal((SafetyDecision.Blocked, "", "input filter: block term 'x' (lex.txt:1)"),
            Constraint().Decide("spam", 0.1, "your invoice, lawyer", blocked: true, flagged: false, blockReason: "block term 'x' (lex.txt:1)"));

    [Fact]
    public void NeverRulesComeBeforeReviewAndAbstainWhateverTheirLine()
    {
        // matches line 3 (review "lawyer"), line 4 (never spam "invoice") and line 2 (abstain, confidence 0.6): never wins.
        var (decision, final, rule) = Constraint().Decide("spam", 0.6, "Your INVOICE from our lawyer");
        Assert.Equal((SafetyDecision.Review, ""), (decision, final));
        Assert.StartsWith("rules.txt:4: never spam", rule);
    }

    [Fact]
    public void ReviewComesBeforeAbstain()
    {
        var (decision, _, rule) = Constraint().Decide("ham", 0.6, "a lawsuit");
        Assert.Equal(SafetyDecision.Review, decision);
        Assert.StartsWith("rules.txt:3:", rule);
        Assert.Equal((SafetyDecision.Review, "", "rules.txt:5: review when flagged"), Constraint().Decide("ham", 0.6, "hello", flagged: true));
    }

    [Fact]
    public void WithinAKindTheEarlierLineWins()
    {
        // "receipt" (line 4, then review) and "order #12" (line 6, then ham) both match a spam prediction.
        var (_, _, rule) = Constraint().Decide("spam", 0.99, "receipt for order #12");
        Assert.StartsWith("rules.txt:4:", rule);
        var swapped = "never spam when /order\\s+#?\\d+/ then ham\nnever spam when \"receipt\"";
        Assert.Equal((SafetyDecision.Replaced, "ham", "rules.txt:1: never spam when /order\\s+#?\\d+/ then ham"),
            Constraint(swapped).Decide("spam", 0.99, "receipt for order #12"));
    }

    [Fact]
    public void NeverRulesApplyOnlyToTheirLabel()
    {
        Assert.Equal(SafetyDecision.Predict, Constraint().Decide("ham", 0.99, "your invoice").Decision);
        var replaced = Constraint().Decide("spam", 0.99, "ORDER 4411 shipped");
        Assert.Equal((SafetyDecision.Replaced, "ham"), (replaced.Decision, replaced.FinalLabel));
        var abstained = Constraint().Decide("ham", 0.99, "Password   Reset");
        Assert.Equal((SafetyDecision.Abstain, ""), (abstained.Decision, abstained.FinalLabel));
    }

    [Theory]
    [InlineData(0.69999, SafetyDecision.Abstain)]
    [InlineData(0.7, SafetyDecision.Predict)]
    [InlineData(double.NaN, SafetyDecision.Abstain)]
    public void AbstainBelowTheConfidence(double confidence, string decision) =>
        Assert.Equal(decision, Constraint().Decide("ham", confidence, "hello").Decision);

    [Theory]
    [InlineData("abstian below 0.5", 1, "unknown rule 'abstian below 0.5'")]
    [InlineData("abstain below 1.5", 1, "between 0 and 1, not '1.5'")]
    [InlineData("abstain below x", 1, "between 0 and 1, not 'x'")]
    [InlineData("abstain 0.5", 1, "expected 'below' but found '0.5'")]
    [InlineData("# c\nnever spam when \"invoice", 2, "not closed (missing '\"')")]
    [InlineData("never spam when /abc", 1, "not closed with '/'")]
    [InlineData("review when /a(b/", 1, "invalid regular expression /a(b/")]
    [InlineData("never spam \"invoice\"", 1, "expected 'when'")]
    [InlineData("never when \"x\"", 1, "needs a label")]
    [InlineData("review when invoice", 1, "expected a pattern")]
    [InlineData("review when \"a\", b", 1, "another quoted term")]
    [InlineData("abstain below 0.5 please", 1, "unexpected 'please'")]
    [InlineData("never spam when \"x\" then spam", 1, "replaces the label with itself")]
    [InlineData("review when \"\u0301\"", 1, "empty once normalized")]
    [InlineData("\n\n# nothing\n", 0, "has no rules")]
    public void ABadRuleFileNamesFileAndLine(string text, int line, string message)
    {
        var ex = Assert.Throws<SafetyFileException>(() => OutputRules.Parse(text, "rules.txt"));
        Assert.Equal(line, ex.Line);
        Assert.StartsWith(line > 0 ? $"rules.txt:{line}: " : "rules.txt: ", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void ALabelOutsideTheModelsClassesIsAnError()
    {
        var ex = Assert.Throws<SafetyFileException>(() => Constraint("abstain below 0.5\nnever spma when \"x\""));
        Assert.Equal("rules.txt:2: label 'spma' is not one of the model's classes (ham, spam).", ex.Message);
        ex = Assert.Throws<SafetyFileException>(() => Constraint("never spam when \"x\" then hma"));
        Assert.Contains("label 'hma'", ex.Message);
    }

    [Fact]
    public void AMissingRuleFileIsNamed() =>
        Assert.Equal("/nonexistent/rules.txt: the rule file does not exist.", Assert.Throws<SafetyFileException>(() => OutputRules.Load("/nonexistent/rules.txt")).Message);
}
