using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MLNetLlm.Data.Safety;

/// <summary>
/// A rule file for the output constraint step. One rule per line; blank lines and <c>#</c> comments are ignored:
/// <code>
/// abstain below 0.7
/// never spam when "invoice", "receipt"
/// never spam when /\border\s+#?\d+/ then ham
/// review when "lawyer", "lawsuit"
/// review when flagged
/// </code>
/// A pattern is a comma-separated list of quoted terms (matched like a <see cref="SafetyLexicon"/>: word boundaries,
/// ignoring case, accents and full-width forms) or a .NET regular expression between slashes (matched against the same
/// normalized text). <c>then</c> after a <c>never</c> rule is <c>review</c> (the default), <c>abstain</c>, or a
/// replacement label. Precedence: a blocked input first, then <c>never</c> rules, then <c>review</c> rules, then
/// <c>abstain</c>; within a kind, the earlier line wins.
/// </summary>
public sealed class OutputRules
{
    const string Grammar = "abstain below P | never LABEL when PATTERN [then review|abstain|LABEL] | review when PATTERN | review when flagged";

    OutputRules(string source, string text, IReadOnlyList<OutputRule> rules)
    {
        Source = source;
        Text = text;
        Rules = rules;
    }

    public string Source { get; }

    /// <summary>The rule file's text as read (kept in model files).</summary>
    public string Text { get; }

    /// <summary>The rules in file order.</summary>
    public IReadOnlyList<OutputRule> Rules { get; }

    /// <summary>Reads a rule file.</summary>
    /// <exception cref="SafetyFileException">The file is missing or a line is not a rule (the message names file and line).</exception>
    public static OutputRules Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new SafetyFileException(path, 0, "the rule file does not exist.");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses rule text; <paramref name="source"/> names it in errors and in the fired rule's name.</summary>
    public static OutputRules Parse(string text, string source = "rules")
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<OutputRule>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            rules.Add(new LineParser(source, i + 1, line).Rule());
        }
        if (rules.Count == 0) throw new SafetyFileException(source, 0, $"the rule file has no rules (expected lines like: {Grammar}).");
        return new OutputRules(source, text, rules);
    }

    /// <summary>Throws naming file and line when a rule names a label outside <paramref name="classes"/>.</summary>
    public void CheckLabels(IReadOnlyCollection<string> classes)
    {
        foreach (var r in Rules.Where(r => r.Kind == OutputRuleKind.Never))
            foreach (var label in new[] { r.Label, r.Then }.Where(l => l is not null && l is not ("review" or "abstain")))
                if (!classes.Contains(label!))
                    throw new SafetyFileException(r.Source, r.Line, $"label '{label}' is not one of the model's classes ({string.Join(", ", classes)}).");
    }

    sealed class LineParser(string source, int lineNo, string line)
    {
        int _at;

        SafetyFileException Error(string message) => new(source, lineNo, message);

        void SkipSpace()
        {
            while (_at < line.Length && char.IsWhiteSpace(line[_at])) _at++;
        }

        bool AtEnd
        {
            get
            {
                SkipSpace();
                return _at >= line.Length;
            }
        }

        string Word()
        {
            SkipSpace();
            if (_at < line.Length && line[_at] == '"') return Quoted();
            int start = _at;
            while (_at < line.Length && !char.IsWhiteSpace(line[_at])) _at++;
            return line[start.._at];
        }

        void Expect(string keyword)
        {
            int save = _at;
            string w = Word();
            if (!w.Equals(keyword, StringComparison.OrdinalIgnoreCase))
            {
                _at = save;
                throw Error($"expected '{keyword}' but found '{(w.Length == 0 ? "the end of the line" : w)}' in '{line}' (rules look like: {Grammar}).");
            }
        }

        string Quoted()
        {
            var sb = new StringBuilder();
            _at++; // opening quote
            while (_at < line.Length)
            {
                char c = line[_at++];
                if (c == '\\' && _at < line.Length) sb.Append(line[_at++]);
                else if (c == '"') return sb.ToString();
                else sb.Append(c);
            }
            throw Error($"a quoted term is not closed (missing '\"') in '{line}'.");
        }

        public OutputRule Rule()
        {
            string keyword = Word().ToLowerInvariant();
            switch (keyword)
            {
                case "abstain":
                {
                    Expect("below");
                    string number = Word();
                    if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) || !(p >= 0 && p <= 1))
                        throw Error($"'abstain below' needs a confidence between 0 and 1, not '{number}'.");
                    End();
                    return new OutputRule(OutputRuleKind.Abstain, source, lineNo, line) { Threshold = p };
                }
                case "never":
                {
                    string label = Word();
                    if (label.Length == 0 || label.Equals("when", StringComparison.OrdinalIgnoreCase)) throw Error($"'never' needs a label before 'when' in '{line}'.");
                    Expect("when");
                    var (terms, regex) = Pattern();
                    string then = "review";
                    if (!AtEnd)
                    {
                        Expect("then");
                        then = Word();
                        if (then.Length == 0) throw Error("'then' needs review, abstain or a label.");
                        if (then.Equals("review", StringComparison.OrdinalIgnoreCase) || then.Equals("abstain", StringComparison.OrdinalIgnoreCase)) then = then.ToLowerInvariant();
                        if (then == label) throw Error($"'never {label} … then {label}' replaces the label with itself.");
                        End();
                    }
                    return new OutputRule(OutputRuleKind.Never, source, lineNo, line) { Label = label, Then = then, Terms = terms, Pattern = regex };
                }
                case "review":
                {
                    Expect("when");
                    int save = _at;
                    if (Word().Equals("flagged", StringComparison.OrdinalIgnoreCase) && AtEnd)
                        return new OutputRule(OutputRuleKind.Review, source, lineNo, line) { WhenFlagged = true };
                    _at = save;
                    var (terms, regex) = Pattern();
                    End();
                    return new OutputRule(OutputRuleKind.Review, source, lineNo, line) { Terms = terms, Pattern = regex };
                }
                default:
                    throw Error($"unknown rule '{line}'; expected one of: {Grammar}.");
            }
        }

        void End()
        {
            if (!AtEnd) throw Error($"unexpected '{line[_at..]}' at the end of '{line}'.");
        }

        (SafetyLexicon? Terms, Regex? Pattern) Pattern()
        {
            SkipSpace();
            if (_at >= line.Length) throw Error($"a pattern (\"terms\" or /regex/) is missing in '{line}'.");
            if (line[_at] == '/')
            {
                int start = ++_at;
                var sb = new StringBuilder();
                while (_at < line.Length && line[_at] != '/')
                {
                    if (line[_at] == '\\' && _at + 1 < line.Length && line[_at + 1] == '/') { sb.Append('/'); _at += 2; continue; }
                    sb.Append(line[_at++]);
                }
                if (_at >= line.Length) throw Error($"the regular expression starting at column {start} is not closed with '/'.");
                _at++;
                try
                {
                    return (null, new Regex(sb.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(250)));
                }
                catch (ArgumentException ex) { throw Error($"invalid regular expression /{sb}/: {ex.Message}"); }
            }
            if (line[_at] != '"') throw Error($"expected a pattern (\"term\", \"term\" … or /regex/) but found '{line[_at..]}'.");
            var terms = new List<string>();
            while (true)
            {
                string term = Quoted();
                if (MatchText.Normalize(term).Length == 0) throw Error($"the term \"{term}\" is empty once normalized.");
                terms.Add(term);
                SkipSpace();
                if (_at < line.Length && line[_at] == ',')
                {
                    _at++;
                    SkipSpace();
                    if (_at >= line.Length || line[_at] != '"') throw Error("expected another quoted term after ','.");
                    continue;
                }
                break;
            }
            return (SafetyLexicon.FromTerms(terms, SafetyAction.Flag, $"{source}:{lineNo}"), null);
        }
    }
}
