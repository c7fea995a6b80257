using System.Text.RegularExpressions;

namespace MLNetLlm.Data.Safety;

/// <summary>The kinds of output rule, in the order they take precedence.</summary>
public enum OutputRuleKind
{
    /// <summary><c>never LABEL when PATTERN [then review|abstain|LABEL]</c>: the model may not answer LABEL for such inputs.</summary>
    Never,

    /// <summary><c>review when PATTERN</c> or <c>review when flagged</c>: send the row to a person.</summary>
    Review,

    /// <summary><c>abstain below P</c>: no answer when the model's confidence is below P.</summary>
    Abstain,
}

/// <summary>One parsed line of a rule file.</summary>
public sealed class OutputRule
{
    internal OutputRule(OutputRuleKind kind, string source, int line, string text)
    {
        Kind = kind;
        Source = source;
        Line = line;
        Text = text;
    }

    public OutputRuleKind Kind { get; }

    /// <summary>The rule file (or given name).</summary>
    public string Source { get; }

    /// <summary>The 1-based line of the rule.</summary>
    public int Line { get; }

    /// <summary>The rule as written.</summary>
    public string Text { get; }

    /// <summary>How the API names the rule when it fires: <c>file:line: text</c>.</summary>
    public string Name => $"{Source}:{Line}: {Text}";

    /// <summary>Never: the label the model may not give.</summary>
    internal string? Label { get; init; }

    /// <summary>Never: what happens instead ("review", "abstain", or a replacement label).</summary>
    internal string? Then { get; init; }

    /// <summary>Abstain: the confidence threshold.</summary>
    internal double Threshold { get; init; }

    /// <summary>Review: fires on flagged inputs.</summary>
    internal bool WhenFlagged { get; init; }

    internal SafetyLexicon? Terms { get; init; }
    internal Regex? Pattern { get; init; }

    /// <summary>Whether the pattern matches the normalized input text.</summary>
    internal bool Matches(string normalized)
    {
        if (Terms is { } t && t.MatchNormalized(normalized).Count > 0) return true;
        if (Pattern is { } p)
        {
            try { return p.IsMatch(normalized); }
            catch (RegexMatchTimeoutException) { return true; } // a pathological input: treat as matching (the safe side)
        }
        return false;
    }
}
