
namespace MLNetLlm.Torch.Tokenization;

/// <summary>
/// Learns a WordPiece vocabulary from raw text for training from scratch, the way HF's WordPiece trainer does: BERT
/// normalisation and pre-tokenisation, an alphabet of word-initial characters and <c>##</c> continuation characters,
/// then greedy merges of the most frequent adjacent pair until the vocabulary is full.
/// </summary>
/// <remarks>
/// Chinese: BERT's pre-tokeniser makes every CJK ideograph a word of its own, so no merge can ever involve one and the
/// vocabulary needs the characters themselves. They are therefore not part of the capped alphabet (at most 1,000
/// symbols, enough for any alphabetic script but a fraction of the 3,000–6,000 characters of ordinary Chinese): the
/// most frequent ideographs (like alphabet characters, whatever their count) get a share of the room left after the
/// special tokens and the alphabet equal to their share of the characters that could take part in a piece (CJK
/// characters against the characters of multi-character words; all of the room for Chinese-only text, whose
/// punctuation stays single characters), and the merges of the other words (Latin words, numbers inside Chinese
/// text) fill the rest. A corpus without CJK text gets
/// exactly the vocabulary it got before.
/// </remarks>
public static class WordPieceVocabularyBuilder
{
    /// <summary>BERT's special tokens, first in every vocabulary this builder makes (ids 0–4).</summary>
    public static readonly IReadOnlyList<string> SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    const int MaxWordChars = 100;
    const int MaxAlphabet = 1000;

    /// <summary>Builds a vocabulary of at most <paramref name="vocabularySize"/> tokens (special tokens included).</summary>
    /// <param name="texts">Training texts.</param>
    /// <param name="vocabularySize">Target size, at least 100. Range 1,000–30,000 is typical.</param>
    /// <param name="minFrequency">A pair must occur this often (counting word frequency) to be merged.</param>
    /// <param name="lowerCase">Lower-case and strip accents first (an uncased model).</param>
    public static IReadOnlyList<string> Build(IEnumerable<string> texts, int vocabularySize = 8000, int minFrequency = 2, bool lowerCase = true)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (vocabularySize < 100) throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "The vocabulary size must be at least 100.");
        if (minFrequency < 1) throw new ArgumentOutOfRangeException(nameof(minFrequency), minFrequency, "minFrequency must be at least 1.");
        var normalizer = new BertTextNormalizer(lowerCase);

        var wordCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            if (string.IsNullOrEmpty(text)) continue;
            string norm = normalizer.Normalize(text);
            foreach (var (offset, length) in BertPreTokenizer.Instance.PreTokenize(norm))
            {
                if (length > MaxWordChars) continue;
                string w = norm.Substring(offset, length);
                wordCounts[w] = wordCounts.GetValueOrDefault(w) + 1;
            }
        }

        // Alphabet: characters by frequency (as whole-word start and as ## continuation).
        var charCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        var cjkCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        long mergeable = 0, cjkSymbols = 0; // symbols of words that merges can shorten; CJK characters
        foreach (var (w, n) in wordCounts)
            foreach (var (sym, k) in Symbols(w))
            {
                if (IsCjkWord(sym)) { cjkCounts[sym] = cjkCounts.GetValueOrDefault(sym) + n; cjkSymbols += n; continue; }
                charCounts[sym] = charCounts.GetValueOrDefault(sym) + n;
                if (k > 0 || w.Length > sym.Length) mergeable += n;
            }
        var vocab = new List<string>(SpecialTokens);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < vocab.Count; i++) index[vocab[i]] = i;
        var alphabet = charCounts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(Math.Min(MaxAlphabet, vocabularySize / 2)).Select(kv => kv.Key)
            .OrderBy(s => s.StartsWith("##", StringComparison.Ordinal)).ThenBy(s => s, StringComparer.Ordinal);
        foreach (var s in alphabet) Add(s);
        if (cjkCounts.Count > 0)
        {
            int room = vocabularySize - vocab.Count;
            int cjkRoom = (int)Math.Round(room * (double)cjkSymbols / (cjkSymbols + mergeable));
            var ideographs = cjkCounts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .Take(cjkRoom).Select(kv => kv.Key).OrderBy(s => s, StringComparer.Ordinal);
            foreach (var s in ideographs) Add(s);
        }

        // Words as symbol-id sequences; only words seen at least minFrequency times take part in merges.
        var words = new List<List<int>>();
        var freqs = new List<long>();
        foreach (var (w, n) in wordCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (n < minFrequency) continue;
            var syms = new List<int>();
            bool ok = true;
            foreach (var (sym, _) in Symbols(w))
            {
                if (!index.TryGetValue(sym, out int id)) { ok = false; break; }
                syms.Add(id);
            }
            if (ok && syms.Count > 1) { words.Add(syms); freqs.Add(n); }
        }

        var pairCounts = new Dictionary<(int, int), long>();
        var pairWords = new Dictionary<(int, int), HashSet<int>>();
        var heap = new PriorityQueue<(int, int), (long, string)>(Comparer<(long Count, string Token)>.Create((x, y) =>
        {
            int c = y.Count.CompareTo(x.Count);
            return c != 0 ? c : string.CompareOrdinal(x.Token, y.Token);
        }));
        string Merged((int A, int B) p) => vocab[p.A] + vocab[p.B][2..];
        void Count(int wi, int sign)
        {
            var s = words[wi];
            for (int i = 0; i + 1 < s.Count; i++)
            {
                var p = (s[i], s[i + 1]);
                long n = pairCounts.GetValueOrDefault(p) + sign * freqs[wi];
                pairCounts[p] = n;
                if (sign > 0)
                {
                    if (!pairWords.TryGetValue(p, out var set)) pairWords[p] = set = [];
                    set.Add(wi);
                    heap.Enqueue(p, (n, Merged(p)));
                }
            }
        }
        for (int wi = 0; wi < words.Count; wi++) Count(wi, +1);

        while (vocab.Count < vocabularySize && heap.TryDequeue(out var best, out var prio))
        {
            long current = pairCounts.GetValueOrDefault(best);
            if (current != prio.Item1)
            {
                // A stale entry: the pair's count fell since (a merge took some of its occurrences). Requeue it at its
                // count now, or it would never be merged, however frequent its other occurrences.
                if (current > 0) heap.Enqueue(best, (current, Merged(best)));
                continue;
            }
            if (current < minFrequency) break;
            string token = Merged(best);
            int newId = Add(token);
            foreach (int wi in pairWords[best].ToList())
            {
                Count(wi, -1);
                var s = words[wi];
                for (int i = 0; i + 1 < s.Count; i++)
                    if (s[i] == best.Item1 && s[i + 1] == best.Item2) { s[i] = newId; s.RemoveAt(i + 1); }
                Count(wi, +1);
            }
            pairCounts.Remove(best);
            pairWords.Remove(best);
        }
        return vocab;

        int Add(string token)
        {
            if (index.TryGetValue(token, out int id)) return id;
            index[token] = vocab.Count;
            vocab.Add(token);
            return vocab.Count - 1;
        }
    }

    /// <summary>Whether a symbol is one CJK ideograph (BERT's pre-tokeniser makes each such character a word).</summary>
    static bool IsCjkWord(string symbol)
    {
        if (symbol.StartsWith("##", StringComparison.Ordinal) || (char.IsSurrogate(symbol[0]) && !char.IsSurrogatePair(symbol, 0))) return false;
        int cp = char.ConvertToUtf32(symbol, 0);
        return symbol.Length == char.ConvertFromUtf32(cp).Length && BertTextNormalizer.IsCjk(cp);
    }

    /// <summary>Characters of a word (surrogate pairs kept together), the first bare and the rest with "##".</summary>
    static IEnumerable<(string Symbol, int Index)> Symbols(string word)
    {
        int k = 0;
        for (int i = 0; i < word.Length; i += char.IsSurrogatePair(word, i) ? 2 : 1, k++)
        {
            string c = char.IsSurrogatePair(word, i) ? word.Substring(i, 2) : word[i].ToString();
            yield return (k == 0 ? c : "##" + c, k);
        }
    }
}
