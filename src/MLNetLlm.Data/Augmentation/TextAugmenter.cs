using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Augmentation;

/// <summary>
/// Easy data augmentation (EDA: synonym replacement, random insertion, random swap, random deletion) as a training-only
/// row step: every input row is kept and <see cref="AugmentationOptions.AugmentationsPerRow"/> edited copies are
/// appended, each with the row's other columns (its label) unchanged. Deterministic for a given seed.
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

    readonly AugmentationOptions _options;
    readonly Lazy<SynonymDictionary> _synonyms;
    readonly EdaOperation[] _operations;

    /// <summary>Creates the step. <paramref name="synonyms"/> overrides the options' WordNet path or synonym file.</summary>
    public TextAugmenter(AugmentationOptions? options = null, SynonymDictionary? synonyms = null)
    {
        _options = (options ?? new AugmentationOptions()).Clone();
        _options.Validate();
        _synonyms = new Lazy<SynonymDictionary>(() => synonyms
            ?? (_options.WordNetPath != null ? SynonymDictionary.LoadWordNet(_options.WordNetPath)
            : _options.SynonymFile != null ? SynonymDictionary.Load(_options.SynonymFile)
            : SynonymDictionary.Bundled));
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

    /// <inheritdoc/>
    public string Name => "Augment";

    /// <inheritdoc/>
    public void CheckSchema(DataViewSchema schema)
    {
        RowOperationColumns.RequireText(schema, _options.TextColumn, Name);
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
            details: new Dictionary<string, string> { ["synonyms"] = Synonyms.Source, ["operations"] = string.Join("/", _operations) });
        return new RowOperationResult(view.Concat(added), report);
    }

    /// <summary>Copies of <paramref name="sourceRows"/> with their text edited (variant k of row r is always the same).</summary>
    internal InMemoryDataView MakeRows(InMemoryDataView view, IReadOnlyList<int> sourceRows, IReadOnlyList<int> variants)
    {
        var texts = view.GetColumn<ReadOnlyMemory<char>>(_options.TextColumn);
        var edited = new ReadOnlyMemory<char>[sourceRows.Count];
        Parallel.For(0, sourceRows.Count, i => edited[i] = Variant(texts[sourceRows[i]].ToString(), sourceRows[i], variants[i]).AsMemory());
        return view.SelectRows(sourceRows).WithColumn(_options.TextColumn, TextDataViewType.Instance, edited);
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
