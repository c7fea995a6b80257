using MLNetLlm.Torch.Tokenization;

namespace MLNetLlm.Torch.Tests.Tokenization;

/// <summary>
/// The from-scratch WordPiece vocabulary against a naive reference written in the test from the documented rules
/// (<see cref="Reference"/>: every pair recounted over every word after every merge, no heap, no incremental counts), on
/// seeded random corpora with many ties and shared pairs, and small cases worked through by hand.
/// </summary>
public sealed class WordPieceVocabularyBuilderTests
{
    const string Specials = "[PAD] [UNK] [CLS] [SEP] [MASK]";

    /// <summary>
    /// The documented rules, for texts of ASCII letters, digits, spaces, ASCII punctuation and BMP ideographs
    /// (U+4E00–U+9FFF): lower-case; words are runs of ASCII letters and digits between spaces, each other character
    /// (punctuation, ideographs, the one-character words of some tests) a word of its own; words over 100 characters are dropped. Symbols: a word's first character, "##" + each later one.
    /// Alphabet: the min(1000, size / 2) most frequent non-ideograph symbols (count, then ordinal), listed bare ones
    /// first, each part in ordinal order. Ideographs: the most frequent (count, then ordinal) take
    /// round(room × ideographs / (ideographs + symbols of multi-symbol words)) of the room left, in ordinal order.
    /// Merges: over words seen at least <paramref name="minFrequency"/> times whose symbols are all in the vocabulary,
    /// the adjacent pair of the highest count (ties: the smaller merged token, ordinal) becomes a + b without "##",
    /// replaced left to right in every word, until the vocabulary is full, no pair is left or the best count is under
    /// <paramref name="minFrequency"/> (<paramref name="stop"/> says which). Null when two different pairs give the same
    /// winning token at the same count (the rules leave that order open).
    /// </summary>
    static List<string>? Reference(IEnumerable<string?> texts, int size, int minFrequency, out string stop)
    {
        stop = "full";
        var wordCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            if (text == null) continue;
            foreach (var w in Words(text.ToLowerInvariant()))
                if (w.Length <= 100) wordCounts[w] = wordCounts.GetValueOrDefault(w) + 1;
        }
        static bool Ideograph(string s) => s.Length == 1 && s[0] is >= '\u4E00' and <= '\u9FFF';
        static List<string> Symbols(string w) => w.Select((c, i) => i == 0 ? c.ToString() : "##" + c).ToList();

        var chars = new Dictionary<string, long>(StringComparer.Ordinal);
        var ideographs = new Dictionary<string, long>(StringComparer.Ordinal);
        long ideographCount = 0, multiSymbol = 0;
        foreach (var (w, n) in wordCounts)
        {
            if (Ideograph(w)) { ideographs[w] = ideographs.GetValueOrDefault(w) + n; ideographCount += n; continue; }
            foreach (var s in Symbols(w)) chars[s] = chars.GetValueOrDefault(s) + n;
            if (w.Length > 1) multiSymbol += n * w.Length;
        }
        var vocab = Specials.Split(' ').ToList();
        vocab.AddRange(chars.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(Math.Min(1000, size / 2))
            .Select(kv => kv.Key).OrderBy(s => s.StartsWith("##")).ThenBy(s => s, StringComparer.Ordinal));
        if (ideographs.Count > 0)
        {
            int room = size - vocab.Count;
            int take = (int)Math.Round(room * (double)ideographCount / (ideographCount + multiSymbol));
            vocab.AddRange(ideographs.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(take)
                .Select(kv => kv.Key).OrderBy(s => s, StringComparer.Ordinal));
        }

        var words = wordCounts.Where(kv => kv.Value >= minFrequency && kv.Key.Length > 1 && !Ideograph(kv.Key))
            .Select(kv => (Symbols: Symbols(kv.Key), Count: kv.Value)).Where(w => w.Symbols.All(vocab.Contains)).ToList();
        while (vocab.Count < size)
        {
            var pairs = new Dictionary<(string, string), long>();
            foreach (var (syms, n) in words)
                for (int i = 0; i + 1 < syms.Count; i++) pairs[(syms[i], syms[i + 1])] = pairs.GetValueOrDefault((syms[i], syms[i + 1])) + n;
            if (pairs.Count == 0) { stop = "no pair"; break; }
            long best = pairs.Values.Max();
            if (best < minFrequency) { stop = "under minFrequency"; break; }
            var winners = pairs.Where(kv => kv.Value == best).Select(kv => (Pair: kv.Key, Token: kv.Key.Item1 + kv.Key.Item2[2..]))
                .OrderBy(x => x.Token, StringComparer.Ordinal).ToList();
            if (winners.Count > 1 && winners[1].Token == winners[0].Token) return null;
            var ((a, b), token) = winners[0];
            if (!vocab.Contains(token)) vocab.Add(token);
            foreach (var (syms, _) in words)
                for (int i = 0; i + 1 < syms.Count; i++)
                    if (syms[i] == a && syms[i + 1] == b) { syms[i] = token; syms.RemoveAt(i + 1); }
        }
        return vocab;
    }

    static IEnumerable<string> Words(string text)
    {
        var word = new System.Text.StringBuilder();
        foreach (char c in text)
        {
            bool alone = char.IsAsciiLetterOrDigit(c) ? false : c != ' ';
            if (c == ' ' || alone)
            {
                if (word.Length > 0) { yield return word.ToString(); word.Clear(); }
                if (alone) yield return c.ToString();
            }
            else word.Append(c);
        }
        if (word.Length > 0) yield return word.ToString();
    }

    /// <summary>Seeded corpus: Zipf-like word frequencies over a few letters (many shared pairs and ties).</summary>
    static string[] Corpus(int seed, string letters, int vocabularyWords, int texts, string ideographs = "", string punctuation = "")
    {
        var rng = new Random(seed);
        var lexicon = Enumerable.Range(0, vocabularyWords).Select(_ =>
        {
            int length = rng.Next(1, 8);
            return new string(Enumerable.Range(0, length).Select(_ => letters[rng.Next(letters.Length)]).ToArray());
        }).ToArray();
        string Draw() => lexicon[(int)(lexicon.Length * Math.Pow(rng.NextDouble(), 2.5))];
        return Enumerable.Range(0, texts).Select(_ =>
        {
            var parts = new List<string>();
            int n = rng.Next(3, 12);
            for (int i = 0; i < n; i++)
            {
                double u = rng.NextDouble();
                if (ideographs.Length > 0 && u < 0.3) parts.Add(new string(Enumerable.Range(0, rng.Next(1, 4)).Select(_ => ideographs[(int)(ideographs.Length * Math.Pow(rng.NextDouble(), 2))]).ToArray()));
                else if (punctuation.Length > 0 && u > 0.9) parts.Add(Draw() + punctuation[rng.Next(punctuation.Length)] + Draw());
                else parts.Add(rng.Next(5) == 0 ? Draw().ToUpperInvariant() : Draw());
            }
            return string.Join(' ', parts);
        }).ToArray();
    }

    [Fact]
    public void TheVocabularyEqualsANaiveRecountOfEveryPairAfterEveryMerge()
    {
        const string Han = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使";
        int compared = 0, ideographsLeftOut = 0, alphabetCapped = 0;
        var stops = new Dictionary<string, int>();
        for (int seed = 0; seed < 32; seed++)
        {
            int count = seed % 8 < 5 ? 200 : 12;   // small corpora run out of pairs or frequent pairs before the vocabulary is full
            string letters = (seed % 4) switch { 0 => "abcd", 1 => "abcdefghij", 2 => "abcdefghijklmnopqrstuvwxyz0123456789", _ => "abcdef" };
            string ideographs = seed % 4 == 3 ? Han[..(40 + 2 * seed)] : "";
            string[] texts = Corpus(seed, letters, 30 + 4 * seed, count, ideographs, seed % 4 == 1 ? ",.-'" : "");
            int size = 100 + 17 * (seed % 7);
            int minFrequency = 1 + seed % 3;
            var expected = Reference(texts, size, minFrequency, out string stop);
            if (expected == null) continue;
            stops[stop] = stops.GetValueOrDefault(stop) + 1;
            if (ideographs.Length > 0 && texts.SelectMany(t => t).Where(c => c >= '\u4E00').Distinct().Count() > expected.Count(t => t[0] >= '\u4E00')) ideographsLeftOut++;
            if (letters.Length * 2 > size / 2 && expected.Count(t => t.Length == 1 || t.Length == 3 && t.StartsWith("##")) == size / 2) alphabetCapped++;
            var actual = WordPieceVocabularyBuilder.Build(texts, size, minFrequency);
            Assert.True(expected.SequenceEqual(actual), $"seed {seed}, size {size}, minFrequency {minFrequency}: first difference at {expected.Zip(actual).TakeWhile(p => p.First == p.Second).Count()} of {expected.Count}/{actual.Count}: expected {string.Join(' ', expected.Skip(5))}; actual {string.Join(' ', actual.Skip(5))}");
            compared++;
        }
        Assert.True(compared >= 24, $"{compared} of 32 corpora compared (the rest tie on a merged token)");
        // the corpora reach each way of stopping, leave ideographs out for want of room and cap the alphabet
        // (never under minFrequency: only words seen that often take part, so every pair is seen that often)
        Assert.True(stops.GetValueOrDefault("full") >= 2 && stops.GetValueOrDefault("no pair") >= 2, string.Join(", ", stops));
        Assert.True(ideographsLeftOut >= 2 && alphabetCapped >= 2, $"{ideographsLeftOut} corpora left ideographs out, {alphabetCapped} capped the alphabet");
    }

    [Fact]
    public void APairStaysMergeableAfterAnEarlierMergeTookSomeOfItsOccurrences()
    {
        // counts: ab 3, abc 3, dbc 2. Pairs: (a,##b) 6, (##b,##c) 3 + 2, (d,##b) 2. Merge ab: abc becomes [ab ##c], so
        // (##b,##c) falls to 2 (dbc only); then abc (3); then the tie at 2 goes to "##bc" < "db" (ordinal), and d + ##bc.
        var vocab = WordPieceVocabularyBuilder.Build(["ab ab ab", "abc abc abc", "dbc dbc"], vocabularySize: 100);
        Assert.Equal([.. Specials.Split(' '), "a", "d", "##b", "##c", "ab", "abc", "##bc", "dbc"], vocab);
        Assert.Equal(vocab, Reference(["ab ab ab", "abc abc abc", "dbc dbc"], 100, 2, out var stop));
        Assert.Equal("no pair", stop);
    }

    [Fact]
    public void WordsOfMoreThanAHundredCharactersAndEmptyTextsAreLeftOut()
    {
        string hundred = new('q', 100), longer = new('z', 101);
        var vocab = WordPieceVocabularyBuilder.Build([hundred, longer, "", null!, hundred.ToUpperInvariant()], vocabularySize: 100);
        // q and ##q (99 per word, 2 words, the second upper-case); z never: its only word is too long
        Assert.Contains("q", vocab);
        Assert.Contains("##q", vocab);
        Assert.DoesNotContain(vocab, t => t.Contains('z'));
        Assert.Equal(Reference([hundred, longer, "", null, hundred], 100, 2, out _), vocab);
    }

    [Fact]
    public void OnlyWordsSeenAtLeastTheMinimumFrequencyTimesTakePartInMerges()
    {
        // "xy" once, "uv" twice and "uvw" twice: with minFrequency 2 "xy" takes no part (x, ##y are still alphabet)
        string[] texts = ["xy uv uv", "uvw uvw"];
        var two = WordPieceVocabularyBuilder.Build(texts, vocabularySize: 100, minFrequency: 2);
        Assert.Equal([.. Specials.Split(' '), "u", "x", "##v", "##w", "##y", "uv", "uvw"], two);
        var one = WordPieceVocabularyBuilder.Build(texts, vocabularySize: 100, minFrequency: 1);
        Assert.Equal([.. Specials.Split(' '), "u", "x", "##v", "##w", "##y", "uv", "uvw", "xy"], one);
        // a word seen 4 times takes part at minFrequency 4, not at 5
        Assert.Contains("uv", WordPieceVocabularyBuilder.Build(["uv uv uv uv"], vocabularySize: 100, minFrequency: 4));
        Assert.DoesNotContain("uv", WordPieceVocabularyBuilder.Build(["uv uv uv uv"], vocabularySize: 100, minFrequency: 5));
    }

    [Fact]
    public void TheAlphabetTakesTheMostFrequentSymbolsUpToHalfTheVocabularyBareOnesFirst()
    {
        // 60 distinct one-letter words (bare symbols), the i-th seen i + 1 times, and "ab" seen once: at size 100 the
        // alphabet keeps the 50 most frequent symbols; ##b (once) and the least frequent letters are out
        var letters = Enumerable.Range(0, 60).Select(i => ((char)('\uA000' + i)).ToString()).ToArray(); // Yi syllables: no case, no decomposition
        var texts = letters.SelectMany((l, i) => Enumerable.Repeat(l, i + 1)).Append("ab").ToArray();
        var vocab = WordPieceVocabularyBuilder.Build(texts, vocabularySize: 100, minFrequency: 1, lowerCase: false);
        Assert.Equal(55, vocab.Count);
        Assert.Equal(Specials.Split(' '), vocab.Take(5));
        Assert.Equal(letters.Skip(10).OrderBy(s => s, StringComparer.Ordinal), vocab.Skip(5));
        // at size 200 all 62 symbols fit, bare ones first, each part in ordinal order, and "ab" merges (minFrequency 1)
        var wide = WordPieceVocabularyBuilder.Build(texts, vocabularySize: 200, minFrequency: 1, lowerCase: false);
        Assert.Equal([.. Specials.Split(' '), "a", .. letters, "##b", "ab"], wide);
    }

    [Fact]
    public void AWordWithASymbolOutsideTheAlphabetTakesNoPartInMerges()
    {
        // 47 one-letter words seen 11…57 times, "xy" 40 times, "pq" 42 times and "xyz" 5 times: at size 100 the alphabet
        // keeps the 50 most frequent of the 52 symbols, so ##z (5) is out and "xyz" takes no part in merges. The pair
        // (x, ##y) then counts 40, below (p, ##q) at 42: "pq" is merged first. Counting "xyz" as its known prefix "xy"
        // would make it 45 and merge "xy" first.
        var letters = Enumerable.Range(0, 47).Select(i => ((char)('\uA000' + i)).ToString()).ToArray(); // Yi syllables: no case
        var texts = letters.SelectMany((l, i) => Enumerable.Repeat(l, i + 11))
            .Concat(Enumerable.Repeat("xy", 40)).Concat(Enumerable.Repeat("pq", 42)).Concat(Enumerable.Repeat("xyz", 5)).ToArray();
        var vocab = WordPieceVocabularyBuilder.Build(texts, vocabularySize: 100);
        Assert.Equal(57, vocab.Count); // 5 specials, 50 symbols, 2 merges: no pair is left
        Assert.DoesNotContain("##z", vocab);
        Assert.Equal(["pq", "xy"], vocab.Skip(55));
    }

    [Fact]
    public void IdeographsShareTheRoomLeftInProportionToTheirCount()
    {
        // 9 ideographs seen 9, 8, …, 1 times (45 symbols); "ab" 15 times (30 symbols of a two-symbol word). Size 100:
        // 5 specials + a, ##b leave 93; 93 · 45 / 75 = 55.8 → 56 ≥ 9, so all are in; at a vocabulary made tight by 80
        // one-symbol words the room shrinks and the least frequent ideographs are out
        string han = "一二三四五六七八九";
        var texts = han.Select((c, i) => string.Join(' ', Enumerable.Repeat(c.ToString(), 9 - i))).Append(string.Join(' ', Enumerable.Repeat("ab", 15))).ToArray();
        var vocab = WordPieceVocabularyBuilder.Build(texts, vocabularySize: 100);
        Assert.Equal([.. Specials.Split(' '), "a", "##b", .. han.Select(c => c.ToString()).OrderBy(s => s, StringComparer.Ordinal), "ab"], vocab);

        // 45 one-symbol words (Yi syllables) join the alphabet: 5 + 47 leave 48 of 100; with "ab" 150 times (300
        // symbols) the ideographs get round(48 · 45 / 345) = round(6.26) = 6 places, the six most frequent
        var fillers = Enumerable.Range(0, 45).Select(i => ((char)('\uA000' + i)).ToString()).ToArray();
        var tight = han.Select((c, i) => string.Join(' ', Enumerable.Repeat(c.ToString(), 9 - i))).Append(string.Join(' ', Enumerable.Repeat("ab", 150))).Concat(fillers).ToArray();
        Assert.Equal([.. Specials.Split(' '), "a", .. fillers, "##b", "一", "三", "二", "五", "六", "四", "ab"], WordPieceVocabularyBuilder.Build(tight, vocabularySize: 100));
        Assert.Equal(Reference(tight, 100, 2, out _), WordPieceVocabularyBuilder.Build(tight, vocabularySize: 100));
    }

    [Fact]
    public void InvalidArgumentsAreRefusedByName()
    {
        Assert.Equal("texts", Assert.Throws<ArgumentNullException>(() => WordPieceVocabularyBuilder.Build(null!)).ParamName);
        var size = Assert.Throws<ArgumentOutOfRangeException>(() => WordPieceVocabularyBuilder.Build(["a"], 99));
        Assert.Equal("vocabularySize", size.ParamName);
        Assert.StartsWith("The vocabulary size must be at least 100.", size.Message);
        var frequency = Assert.Throws<ArgumentOutOfRangeException>(() => WordPieceVocabularyBuilder.Build(["a"], 100, 0));
        Assert.Equal("minFrequency", frequency.ParamName);
        Assert.StartsWith("minFrequency must be at least 1.", frequency.Message);
        Assert.Equal([.. Specials.Split(' '), "a"], WordPieceVocabularyBuilder.Build(["a"], 100, 1));
    }

    [Fact]
    public void LoneSurrogatesAreDroppedAndASupplementaryIdeographIsOneSymbol()
    {
        var vocab = WordPieceVocabularyBuilder.Build(["\uD800x \uD800x", "\uD842\uDFB7 \uDC00"], vocabularySize: 100);
        Assert.Equal([.. Specials.Split(' '), "x", "\uD842\uDFB7"], vocab);
    }
}
