using System.Globalization;

namespace MLNetLlm.Data.Augmentation;

/// <summary>
/// Words and their synonyms, for synonym replacement and insertion. Load WordNet 3.x data files
/// (<see cref="LoadWordNet"/>: <c>data.noun</c>, <c>data.verb</c>, <c>data.adj</c>, <c>data.adv</c>, e.g. Debian's
/// <c>wordnet-base</c> in /usr/share/wordnet), a plain file of synonym groups (<see cref="Load"/>), or the small list
/// bundled with MLNetLlm (<see cref="Bundled"/>). Lookups are case-insensitive; multi-word entries use spaces.
/// </summary>
public sealed class SynonymDictionary
{
    static readonly Lazy<SynonymDictionary> BundledList = new(LoadBundled);
    static readonly string[] WordNetFiles = ["data.noun", "data.verb", "data.adj", "data.adv"];

    readonly Dictionary<string, string[]> _synonyms;

    SynonymDictionary(Dictionary<string, HashSet<string>> synonyms, string source)
    {
        _synonyms = synonyms.ToDictionary(kv => kv.Key, kv => kv.Value.Order(StringComparer.Ordinal).ToArray(), StringComparer.OrdinalIgnoreCase);
        Source = source;
    }

    /// <summary>Where the synonyms came from (a path, or "bundled").</summary>
    public string Source { get; }

    /// <summary>The number of words that have at least one synonym.</summary>
    public int Count => _synonyms.Count;

    /// <summary>The synonyms of <paramref name="word"/> (never the word itself), sorted; empty when none.</summary>
    public IReadOnlyList<string> Synonyms(string word) =>
        word != null && _synonyms.TryGetValue(word, out var s) ? s : [];

    /// <summary>The small synonym list shipped inside MLNetLlm.Data (common English words; offline).</summary>
    public static SynonymDictionary Bundled => BundledList.Value;

    /// <summary>Builds a dictionary from synonym groups (each group's words are synonyms of each other).</summary>
    public static SynonymDictionary FromGroups(IEnumerable<IEnumerable<string>> groups, string source = "groups")
    {
        ArgumentNullException.ThrowIfNull(groups);
        var map = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in groups) AddGroup(map, group.Select(w => w.Trim().ToLowerInvariant()).Where(w => w.Length > 0).Distinct().ToArray());
        return new SynonymDictionary(map, source);
    }

    /// <summary>
    /// Reads a synonym-group file: one group per line, words separated by commas or tabs, <c>#</c> starts a comment. A line
    /// of Chinese words may separate them by spaces instead (<c>高兴 开心 快乐</c>), and HIT Tongyici Cilin lines
    /// (<c>Aa01A05= 匹夫 个人</c>) are read as groups ('=' lines; '#' related-word and '@' single-word lines are skipped).
    /// Throws <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/> naming the file and line.
    /// </summary>
    public static SynonymDictionary Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Synonym file '{path}' does not exist.", path);
        using var reader = new StreamReader(path);
        return Parse(reader, path);
    }

    static SynonymDictionary Parse(TextReader reader, string source)
    {
        var groups = new List<string[]>();
        int lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            int hash = line.IndexOf('#');
            var content = (hash >= 0 && !IsCilinCode(line) ? line[..hash] : line).Trim();
            if (content.Length == 0) continue;
            if (IsCilinCode(content))
            {
                // HIT Tongyici Cilin (extended): "Aa01A01= 人 士 人物"; '#' lines are related words and '@' lines single words.
                if (content[7] != '=') continue;
                content = content[8..].Trim();
            }
            var words = content.Split([',', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (words.Length == 1 && Languages.ScriptDetector.ContainsHan(content))
                words = content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries); // Chinese words have no spaces: spaces separate them
            if (words.Length < 2) throw new InvalidDataException($"Synonym file '{source}' line {lineNo}: a group needs at least two words separated by commas (got '{content}').");
            groups.Add(words);
        }
        if (groups.Count == 0) throw new InvalidDataException($"Synonym file '{source}' has no synonym groups.");
        return FromGroups(groups, source);
    }

    static bool IsCilinCode(string line) =>
        line.Length >= 8 && char.IsAsciiLetterUpper(line[0]) && char.IsAsciiLetterLower(line[1]) && char.IsAsciiDigit(line[2]) && char.IsAsciiDigit(line[3])
        && char.IsAsciiLetterUpper(line[4]) && char.IsAsciiDigit(line[5]) && char.IsAsciiDigit(line[6]) && line[7] is '=' or '#' or '@';

    /// <summary>
    /// Reads the WordNet 3.x data files in <paramref name="directory"/> (every synset's words are synonyms of each
    /// other; adjective markers such as "(a)" are dropped, underscores become spaces). At least one of data.noun,
    /// data.verb, data.adj, data.adv must exist; a malformed line throws <see cref="InvalidDataException"/> naming the
    /// file and line.
    /// </summary>
    public static SynonymDictionary LoadWordNet(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"WordNet folder '{directory}' does not exist (Debian: apt-get install wordnet-base → /usr/share/wordnet).");
        var files = WordNetFiles.Select(f => Path.Combine(directory, f)).Where(File.Exists).ToArray();
        if (files.Length == 0) throw new FileNotFoundException($"WordNet folder '{directory}' has none of {string.Join(", ", WordNetFiles)}.");
        var map = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        var words = new List<string>();
        foreach (var file in files)
        {
            int lineNo = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNo++;
                if (line.Length == 0 || line[0] == ' ') continue; // the license header lines start with two spaces
                ParseSynset(line, file, lineNo, words);
                AddGroup(map, words.Distinct().ToArray());
            }
        }
        return new SynonymDictionary(map, directory);
    }

    /// <summary>One data line: <c>offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id …] p_cnt …| gloss</c>.</summary>
    internal static void ParseSynset(string line, string file, int lineNo, List<string> words)
    {
        words.Clear();
        int bar = line.IndexOf('|');
        var fields = (bar >= 0 ? line[..bar] : line).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6 || !int.TryParse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int count) || count < 1 || fields.Length < 4 + 2 * count)
            throw new InvalidDataException($"WordNet file '{file}' line {lineNo}: not a synset line (expected 'offset lex_filenum ss_type w_cnt word lex_id …').");
        for (int w = 0; w < count; w++)
        {
            string word = fields[4 + 2 * w];
            int paren = word.IndexOf('(');
            if (paren > 0 && word.EndsWith(')')) word = word[..paren]; // adjective position markers: (a), (p), (ip)
            words.Add(word.Replace('_', ' ').ToLowerInvariant());
        }
    }

    static void AddGroup(Dictionary<string, HashSet<string>> map, string[] group)
    {
        if (group.Length < 2) return;
        foreach (var word in group)
        {
            if (!map.TryGetValue(word, out var set)) map[word] = set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var other in group) if (!other.Equals(word, StringComparison.OrdinalIgnoreCase)) set.Add(other);
        }
    }

    static SynonymDictionary LoadBundled()
    {
        using var stream = typeof(SynonymDictionary).Assembly.GetManifestResourceStream("MLNetLlm.Data.synonyms-en.txt")
            ?? throw new InvalidOperationException("The bundled synonym list is missing from MLNetLlm.Data.");
        using var reader = new StreamReader(stream);
        return Parse(reader, "bundled");
    }
}
