namespace MLNetLlm.Data.Safety;

/// <summary>
/// A list of terms that block or flag a text, matched on word boundaries in a normal form that ignores case, accents,
/// full-width/compatibility forms and runs of white space (see <c>docs/responsible-ai.md</c>).
/// </summary>
/// <remarks>
/// File format (UTF-8, one term per line): blank lines and lines starting with <c>#</c> are ignored; <c>block: term</c>
/// and <c>flag: term</c> give the action, any other line is a term with the default action. Terms overlap freely: every
/// term that occurs is reported, e.g. both "free money" and "money back" in "free money back".
/// </remarks>
public sealed class SafetyLexicon
{
    readonly Entry[] _entries;

    SafetyLexicon(string source, Entry[] entries, string text)
    {
        Source = source;
        _entries = entries;
        Text = text;
    }

    /// <summary>Where the lexicon came from (a file path or a given name).</summary>
    public string Source { get; }

    /// <summary>The lexicon's text as read (kept in model files).</summary>
    public string Text { get; }

    /// <summary>How many terms it has.</summary>
    public int Count => _entries.Length;

    /// <summary>Reads a lexicon file.</summary>
    /// <exception cref="SafetyFileException">The file is missing or a line is not a usable term (the message names file and line).</exception>
    public static SafetyLexicon Load(string path, SafetyAction defaultAction = SafetyAction.Block)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new SafetyFileException(path, 0, "the lexicon file does not exist.");
        return Parse(File.ReadAllText(path), path, defaultAction);
    }

    /// <summary>Parses lexicon text; <paramref name="source"/> names it in errors.</summary>
    public static SafetyLexicon Parse(string text, string source = "lexicon", SafetyAction defaultAction = SafetyAction.Block)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<Entry>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var action = defaultAction;
            if (line.StartsWith("block:", StringComparison.OrdinalIgnoreCase)) { action = SafetyAction.Block; line = line[6..].Trim(); }
            else if (line.StartsWith("flag:", StringComparison.OrdinalIgnoreCase)) { action = SafetyAction.Flag; line = line[5..].Trim(); }
            if (line.Length == 0) throw new SafetyFileException(source, i + 1, "the term is empty.");
            if (line.Contains('\uFFFD')) throw new SafetyFileException(source, i + 1, "the line is not valid UTF-8 text.");
            string normalized = MatchText.Normalize(line);
            if (normalized.Length == 0) throw new SafetyFileException(source, i + 1, $"the term '{line}' has nothing left to match once normalized.");
            entries.Add(new Entry(line, normalized, action, i + 1));
        }
        if (entries.Count == 0) throw new SafetyFileException(source, 0, "the lexicon has no terms.");
        return new SafetyLexicon(source, entries.ToArray(), text);
    }

    /// <summary>A lexicon of <paramref name="terms"/>, all with <paramref name="action"/>.</summary>
    public static SafetyLexicon FromTerms(IEnumerable<string> terms, SafetyAction action = SafetyAction.Block, string source = "terms") =>
        Parse(string.Join("\n", terms.Select(t => (action == SafetyAction.Block ? "block: " : "flag: ") + t)), source, action);

    /// <summary>Every occurrence of every term in <paramref name="text"/>, in order of position then lexicon line.</summary>
    public IReadOnlyList<LexiconMatch> Match(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return MatchNormalized(MatchText.Normalize(text));
    }

    internal IReadOnlyList<LexiconMatch> MatchNormalized(string normalized)
    {
        var found = new List<LexiconMatch>();
        foreach (var e in _entries)
            foreach (int at in MatchText.Find(normalized, e.Normalized))
                found.Add(new LexiconMatch(e.Term, e.Action, e.Line, at));
        found.Sort((a, b) => a.Index != b.Index ? a.Index.CompareTo(b.Index) : a.Line.CompareTo(b.Line));
        return found;
    }

    sealed record Entry(string Term, string Normalized, SafetyAction Action, int Line);
}
