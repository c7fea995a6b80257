using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Languages;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Augmentation;

/// <summary>
/// Easy data augmentation (EDA: synonym replacement, random insertion, random swap, random deletion) as a training-only
/// row step: every input row is kept and <see cref="AugmentationOptions.AugmentationsPerRow"/> edited copies are
/// appended, each with the row's other columns (its label) unchanged. Deterministic for a given seed. Chinese rows are
/// edited on the words of <see cref="AugmentationOptions.Segmenter"/> with <see cref="AugmentationOptions.ChineseSynonymFile"/>
/// (see <see cref="AugmentationOptions.Language"/>); punctuation stays where it is.
/// </summary>
public sealed class TextAugmenter : IRowOperation
{
    static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "the", "and", "or", "but", "if", "then", "of", "at", "by", "for", "with", "about", "to", "from", "in",
        "on", "is", "are", "was", "were", "be", "been", "am", "i", "me", "my", "we", "our", "you", "your", "he", "him",
        "his", "she", "her", "it", "its", "they", "them", "their", "this", "that", "these", "those", "what", "which",
        "who", "whom", "do", "does", "did", "have", "has", "had", "not", "no", "so", "as", "than", "too", "can", "will",
        "just", "should", "would", "could", "there", "here", "when", "where", "why", "how", "all", "any", "each", "own",
    };

    // Function words that carry no topic: never replaced by a synonym (a small list; synonyms come from the user's file).
    static readonly HashSet<string> ChineseStopWords = new(StringComparer.Ordinal)
    {
        "的", "了", "是", "在", "和", "也", "就", "都", "而", "及", "与", "着", "或", "一个", "没有", "我", "你", "他", "她", "它",
        "我们", "你们", "他们", "这", "那", "之", "其", "于", "以", "为", "所", "被", "把", "从", "对", "向", "等", "吗", "呢", "吧", "啊",
        "不", "很", "有", "要", "会", "能", "这个", "那个", "上", "下", "中", "里",
    };

    readonly AugmentationOptions _options;
    readonly Lazy<SynonymDictionary> _synonyms;
    readonly Lazy<SynonymDictionary?> _chineseSynonyms;
    readonly IWordSegmenter _segmenter;
    readonly EdaOperation[] _operations;

    /// <summary>
    /// Creates the step. <paramref name="synonyms"/> overrides the options' WordNet path or synonym file (English rows);
    /// <paramref name="chineseSynonyms"/> overrides <see cref="AugmentationOptions.ChineseSynonymFile"/> (Chinese rows).
    /// </summary>
    public TextAugmenter(AugmentationOptions? options = null, SynonymDictionary? synonyms = null, SynonymDictionary? chineseSynonyms = null)
    {
        _options = (options ?? new AugmentationOptions()).Clone();
        _options.Validate();
        _synonyms = new Lazy<SynonymDictionary>(() => synonyms
            ?? (_options.WordNetPath != null ? SynonymDictionary.LoadWordNet(_options.WordNetPath)
            : _options.SynonymFile != null ? SynonymDictionary.Load(_options.SynonymFile)
            : SynonymDictionary.Bundled));
        _chineseSynonyms = new Lazy<SynonymDictionary?>(() => chineseSynonyms
            ?? (_options.ChineseSynonymFile != null ? SynonymDictionary.Load(_options.ChineseSynonymFile) : null));
        _segmenter = _options.Segmenter ?? CharacterWordSegmenter.Instance;
        _operations = new[]
        {
            (EdaOperation.SynonymReplacement, _options.SynonymReplacementRate), (EdaOperation.RandomInsertion, _options.RandomInsertionRate),
            (EdaOperation.RandomSwap, _options.RandomSwapRate), (EdaOperation.RandomDeletion, _options.RandomDeletionRate),
        }.Where(o => o.Item2 > 0).Select(o => o.Item1).ToArray();
    }

    /// <summary>A copy of the options.</summary>
    public AugmentationOptions Options => _options.Clone();

    /// <summary>The synonyms in use (loaded on first use).</summary>
    public SynonymDictionary Synonyms => _synonyms.Value;

    /// <summary>The Chinese synonyms in use (loaded on first use); null when none were given.</summary>
    public SynonymDictionary? ChineseSynonyms => _chineseSynonyms.Value;

    /// <inheritdoc/>
    public string Name => "Augment";

    /// <inheritdoc/>
    public void CheckSchema(DataViewSchema schema)
    {
        RowOperationColumns.RequireText(schema, _options.TextColumnName, Name);
        if (_options.OnlyLabels != null) LabelValues.RequireScalar(schema, _options.LabelColumn, Name);
    }

    /// <inheritdoc/>
    public RowOperationResult Apply(IDataView data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckSchema(data.Schema);
        var view = InMemoryDataView.Materialize(data);
        IEnumerable<int> rows = Enumerable.Range(0, view.RowCount);
        if (_options.OnlyLabels != null)
        {
            var labels = LabelValues.Read(view, _options.LabelColumn, Name);
            var wanted = new HashSet<string>(_options.OnlyLabels, StringComparer.Ordinal);
            rows = rows.Where(i => wanted.Contains(labels[i]));
        }
        var sources = new List<int>();
        var variants = new List<int>();
        foreach (int r in rows)
            for (int k = 0; k < _options.AugmentationsPerRow; k++) { sources.Add(r); variants.Add(k); }
        var added = MakeRows(view, sources, variants);
        var report = new RowOperationReport(Name, view.RowCount, view.RowCount + added.RowCount,
            added: new Dictionary<string, int> { ["augmented"] = added.RowCount },
            details: new Dictionary<string, string>
            {
                ["synonyms"] = Synonyms.Source, ["operations"] = string.Join("/", _operations),
                ["language"] = _options.Language.ToString().ToLowerInvariant(),
                ["chinese-synonyms"] = ChineseSynonyms?.Source ?? "none", ["segmenter"] = _segmenter.Name,
            });
        return new RowOperationResult(view.Concat(added), report);
    }

    /// <summary>Copies of <paramref name="sourceRows"/> with their text edited (variant k of row r is always the same).</summary>
    internal InMemoryDataView MakeRows(InMemoryDataView view, IReadOnlyList<int> sourceRows, IReadOnlyList<int> variants)
    {
        var texts = view.GetColumn<ReadOnlyMemory<char>>(_options.TextColumnName);
        var edited = new ReadOnlyMemory<char>[sourceRows.Count];
        Parallel.For(0, sourceRows.Count, i => edited[i] = Variant(texts[sourceRows[i]].ToString(), sourceRows[i], variants[i]).AsMemory());
        return view.SelectRows(sourceRows).WithColumn(_options.TextColumnName, TextDataViewType.Instance, edited);
    }

    /// <summary>The <paramref name="variant"/>-th augmentation of row <paramref name="row"/>'s <paramref name="text"/> (deterministic).</summary>
    public string Variant(string? text, int row, int variant)
    {
        var rng = new Random(unchecked(_options.Seed * 1_000_003 + row * 7919 + variant));
        return Augment(text, _operations[(row + variant) % _operations.Length], rng);
    }

    /// <summary>Applies one EDA edit to <paramref name="text"/>; words are white-space separated and joined by one space.</summary>
    public string Augment(string? text, EdaOperation operation, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (ScriptDetector.Resolve(_options.Language, text) == TextLanguage.Chinese) return AugmentChinese(text ?? "", operation, rng);
        var words = (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
        if (words.Count == 0) return "";
        switch (operation)
        {
            case EdaOperation.SynonymReplacement: ReplaceSynonyms(words, Count(_options.SynonymReplacementRate, words.Count), rng); break;
            case EdaOperation.RandomInsertion: Insert(words, Count(_options.RandomInsertionRate, words.Count), rng); break;
            case EdaOperation.RandomSwap: Swap(words, Count(_options.RandomSwapRate, words.Count) / 2, rng); break;
            case EdaOperation.RandomDeletion: Delete(words, Math.Min(Count(_options.RandomDeletionRate, words.Count), words.Count - 1), rng); break;
            default: throw new ArgumentOutOfRangeException(nameof(operation), operation, null);
        }
        return string.Join(' ', words);
    }

    /// <summary>
    /// One EDA edit of a Chinese text on its segmented words: n counts words (tokens with a letter or digit), punctuation
    /// keeps its place, and the tokens are joined without spaces (a space only between two Latin words or numbers).
    /// </summary>
    string AugmentChinese(string text, EdaOperation operation, Random rng)
    {
        var tokens = _segmenter.Segment(text).Select(r => text.Substring(r.Start, r.Length)).ToList();
        var words = Enumerable.Range(0, tokens.Count).Where(i => IsWord(tokens[i])).ToList();
        if (tokens.Count == 0) return "";
        int n = words.Count;
        switch (operation)
        {
            case EdaOperation.SynonymReplacement:
            {
                int k = Count(_options.SynonymReplacementRate, n);
                var candidates = words.Where(i => ChineseSynonymsOf(tokens[i]).Count > 0).ToArray();
                rng.Shuffle(candidates);
                foreach (int i in candidates.Take(k))
                {
                    var options = ChineseSynonymsOf(tokens[i]);
                    tokens[i] = options[rng.Next(options.Count)];
                }
                break;
            }
            case EdaOperation.RandomInsertion:
            {
                int k = Count(_options.RandomInsertionRate, n);
                var candidates = words.Select(i => tokens[i]).Distinct(StringComparer.Ordinal).Where(w => ChineseSynonymsOf(w).Count > 0).ToArray();
                if (candidates.Length == 0 || k == 0) break;
                for (int j = 0; j < k; j++)
                {
                    var options = ChineseSynonymsOf(candidates[rng.Next(candidates.Length)]);
                    // before a random word, or at the end of the text
                    var wordPositions = Enumerable.Range(0, tokens.Count).Where(i => IsWord(tokens[i])).ToList();
                    int slot = rng.Next(wordPositions.Count + 1);
                    int at = slot == wordPositions.Count ? EndBeforeTrailingPunctuation(tokens) : wordPositions[slot];
                    tokens.Insert(at, options[rng.Next(options.Count)]);
                }
                break;
            }
            case EdaOperation.RandomSwap:
            {
                int swaps = Count(_options.RandomSwapRate, n) / 2;
                if (n < 2) break;
                for (int j = 0; j < swaps; j++)
                {
                    int a = rng.Next(n), b = rng.Next(n - 1);
                    if (b >= a) b++;
                    (tokens[words[a]], tokens[words[b]]) = (tokens[words[b]], tokens[words[a]]);
                }
                break;
            }
            case EdaOperation.RandomDeletion:
            {
                int k = Math.Min(Count(_options.RandomDeletionRate, n), n - 1);
                if (k <= 0) break;
                var order = words.ToArray();
                rng.Shuffle(order);
                var drop = order.Take(k).ToHashSet();
                tokens = tokens.Where((_, i) => !drop.Contains(i)).ToList();
                break;
            }
            default: throw new ArgumentOutOfRangeException(nameof(operation), operation, null);
        }
        return JoinChinese(tokens);
    }

    IReadOnlyList<string> ChineseSynonymsOf(string word)
    {
        if (ChineseStopWords.Contains(word) || ChineseSynonyms is not { } dictionary) return [];
        return dictionary.Synonyms(word);
    }

    static bool IsWord(string token)
    {
        foreach (var rune in token.EnumerateRunes()) if (System.Text.Rune.IsLetterOrDigit(rune)) return true;
        return false;
    }

    static int EndBeforeTrailingPunctuation(List<string> tokens)
    {
        int at = tokens.Count;
        while (at > 0 && !IsWord(tokens[at - 1])) at--;
        return at;
    }

    /// <summary>Joins Chinese tokens: no space, except between two tokens that meet with Latin letters or digits (so "iPhone 15" stays two words).</summary>
    internal static string JoinChinese(IReadOnlyList<string> tokens)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var t in tokens)
        {
            if (t.Length == 0) continue;
            if (sb.Length > 0 && IsLatinOrDigit(sb[^1]) && IsLatinOrDigit(t[0])) sb.Append(' ');
            sb.Append(t);
        }
        return sb.ToString();
    }

    static bool IsLatinOrDigit(char c) => char.IsAsciiLetterOrDigit(c) || (char.IsLetterOrDigit(c) && c < '⺀');

    static int Count(double rate, int words) => (int)Math.Floor(rate * words + 1e-9);

    void ReplaceSynonyms(List<string> words, int n, Random rng)
    {
        if (n == 0) return;
        var cache = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        List<string> Lookup(string core) => cache.TryGetValue(core, out var list) ? list : cache[core] = SingleWordSynonyms(core);
        var candidates = Enumerable.Range(0, words.Count).Where(i => Lookup(Core(words[i], out _, out _)).Count > 0).ToArray();
        rng.Shuffle(candidates);
        foreach (int i in candidates.Take(n))
        {
            string core = Core(words[i], out string prefix, out string suffix);
            var options = Lookup(core);
            words[i] = prefix + MatchCase(options[rng.Next(options.Count)], core) + suffix;
        }
    }

    void Insert(List<string> words, int n, Random rng)
    {
        if (n == 0) return;
        var candidates = words.Select(w => Core(w, out _, out _)).Distinct(StringComparer.OrdinalIgnoreCase).Where(c => SingleWordSynonyms(c).Count > 0).ToArray();
        if (candidates.Length == 0) return;
        // n insertions at random gaps (0..Count), applied in one linear merge rather than n List.Insert calls
        var inserts = new (int Gap, string Word)[n];
        for (int k = 0; k < n; k++)
        {
            var options = SingleWordSynonyms(candidates[rng.Next(candidates.Length)]);
            inserts[k] = (rng.Next(words.Count + 1), options[rng.Next(options.Count)]);
        }
        Array.Sort(inserts, (a, b) => a.Gap.CompareTo(b.Gap));
        var merged = new List<string>(words.Count + n);
        int next = 0;
        for (int i = 0; i <= words.Count; i++)
        {
            while (next < n && inserts[next].Gap == i) merged.Add(inserts[next++].Word);
            if (i < words.Count) merged.Add(words[i]);
        }
        words.Clear();
        words.AddRange(merged);
    }

    static void Swap(List<string> words, int swaps, Random rng)
    {
        if (words.Count < 2) return;
        for (int k = 0; k < swaps; k++)
        {
            int i = rng.Next(words.Count), j = rng.Next(words.Count - 1);
            if (j >= i) j++;
            (words[i], words[j]) = (words[j], words[i]);
        }
    }

    static void Delete(List<string> words, int n, Random rng)
    {
        if (n <= 0) return;
        var positions = Enumerable.Range(0, words.Count).ToArray();
        rng.Shuffle(positions);
        var deleted = new bool[words.Count];
        for (int k = 0; k < n; k++) deleted[positions[k]] = true;
        int w = 0;
        for (int i = 0; i < words.Count; i++) if (!deleted[i]) words[w++] = words[i];
        words.RemoveRange(w, words.Count - w);
    }

    List<string> SingleWordSynonyms(string core)
    {
        if (core.Length == 0 || StopWords.Contains(core)) return [];
        var list = new List<string>();
        foreach (var s in Synonyms.Synonyms(core)) if (!s.Contains(' ')) list.Add(s);
        return list;
    }

    /// <summary>The word without leading/trailing punctuation (e.g. <c>"(Free!"</c> → <c>Free</c>).</summary>
    static string Core(string word, out string prefix, out string suffix)
    {
        int start = 0, end = word.Length;
        while (start < end && !char.IsLetterOrDigit(word[start])) start++;
        while (end > start && !char.IsLetterOrDigit(word[end - 1])) end--;
        prefix = word[..start];
        suffix = word[end..];
        return word[start..end];
    }

    static string MatchCase(string synonym, string original) =>
        original.Length > 0 && char.IsUpper(original[0]) && synonym.Length > 0
            ? (original.All(c => !char.IsLetter(c) || char.IsUpper(c)) && original.Length > 1 ? synonym.ToUpperInvariant() : char.ToUpperInvariant(synonym[0]) + synonym[1..])
            : synonym;
}
