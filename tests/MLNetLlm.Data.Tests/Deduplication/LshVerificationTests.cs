using MLNetLlm.Data.Deduplication;

namespace MLNetLlm.Data.Tests.Deduplication;

/// <summary>
/// The near-duplicate search against a brute-force reference written here from the definition: a row is a near duplicate
/// when an earlier kept row shares one whole LSH band of its signature with it (compared value by value, not through
/// the bucket hash) and at least the threshold's share of all signature positions agree (counted exactly, in decimal).
/// Word 1-shingles without normalization, so the Jaccard similarity of two texts is that of their word sets.
/// </summary>
public sealed class LshVerificationTests
{
    const int BaseWords = 60;

    static DeduplicationOptions Options(int permutations, double threshold, int seed) => new()
    {
        NumPermutations = permutations, JaccardThreshold = threshold, Shingles = ShingleUnit.Word, ShingleSize = 1,
        Normalization = null, Seed = seed, MaxDegreeOfParallelism = 1,
    };

    /// <summary>The definition, row by row: the earlier kept rows sharing a band (candidates) and those agreeing enough (matches).</summary>
    sealed class Reference
    {
        readonly uint[][] _sigs;
        readonly int _perms, _rows;
        readonly double _threshold;

        public Reference(IReadOnlyList<string> texts, DeduplicationOptions o)
        {
            _perms = o.NumPermutations;
            _threshold = o.JaccardThreshold;
            var hasher = new MinHasher(_perms, o.Seed);
            _sigs = texts.Select(t =>
            {
                var s = new uint[hasher.PaddedLength];
                Assert.True(hasher.Compute(t, ShingleUnit.Word, 1, s));
                return s;
            }).ToArray();
            (Bands, _rows) = LshParameters.Choose(_perms, _threshold);
            Candidates = new List<int>[texts.Count];
            Matches = new List<int>[texts.Count];
            for (int i = 0; i < texts.Count; i++)
            {
                Candidates[i] = Kept.Where(j => Enumerable.Range(0, Bands).Any(b => SameBand(i, j, b))).ToList();
                Matches[i] = Candidates[i].Where(j => Enough(Agreeing(i, j))).ToList();
                if (Matches[i].Count == 0) Kept.Add(i);
            }
        }

        public int Bands { get; }
        public List<int> Kept { get; } = [];
        public List<int>[] Candidates { get; }
        public List<int>[] Matches { get; }
        public bool SameBand(int i, int j, int b) => _sigs[i].AsSpan(b * _rows, _rows).SequenceEqual(_sigs[j].AsSpan(b * _rows, _rows));
        public int Agreeing(int i, int j) => Enumerable.Range(0, _perms).Count(p => _sigs[i][p] == _sigs[j][p]);
        public bool Enough(int agreeing) => (decimal)agreeing / _perms >= (decimal)_threshold;
        public int Needed => Enumerable.Range(0, _perms + 1).First(Enough);

        public void Check(DeduplicationResult result)
        {
            for (int i = 0; i < Matches.Length; i++)
            {
                if (Matches[i].Count == 0)
                {
                    Assert.True(result.Kinds[i] == DuplicateKind.Kept, $"row {i}: no earlier row shares a band and agrees enough, but it was dropped as a duplicate of {result.DuplicateOf[i]}");
                    Assert.Equal(-1, result.DuplicateOf[i]);
                }
                else
                {
                    Assert.True(result.Kinds[i] == DuplicateKind.Near, $"row {i}: rows {string.Join(", ", Matches[i])} share a band and agree in ≥ {_threshold:P0} of the positions, but it was {result.Kinds[i]}");
                    Assert.Contains(result.DuplicateOf[i], Matches[i]);
                }
            }
            Assert.Equal(Kept, result.KeptRows);
            Assert.Equal(Bands, result.Bands);
            Assert.Equal(_rows, result.RowsPerBand);
        }
    }

    static string[] BaseWordsOf(int b) => Enumerable.Range(0, BaseWords).Select(i => $"b{b}w{i}").ToArray();

    /// <summary><paramref name="m"/> of the base's 60 words replaced: Jaccard (60 − m) / (60 + m).</summary>
    static string Replaced(string[] words, int m, Random rng)
    {
        var copy = (string[])words.Clone();
        foreach (int w in Enumerable.Range(0, words.Length).OrderBy(_ => rng.Next()).Take(m)) copy[w] = $"v{rng.Next(1_000_000)}";
        return string.Join(' ', copy);
    }

    [Theory]
    [InlineData(100, 0.56, 1)]
    [InlineData(128, 0.8, 2)]
    [InlineData(64, 0.7, 3)]
    [InlineData(128, 0.75, 4)]
    public void NearDuplicatesAreExactlyTheRowsTheBruteForceReferenceFinds(int permutations, double threshold, int seed)
    {
        // six bases, each with 40 variants from 0.97 (m = 1) to 0.2 (m = 40) similar, in a random order
        var rng = new Random(seed);
        var texts = new List<string>();
        for (int b = 0; b < 6; b++)
        {
            var words = BaseWordsOf(b);
            texts.Add(string.Join(' ', words));
            foreach (int m in Enumerable.Range(1, 40).OrderBy(_ => rng.Next())) texts.Add(Replaced(words, m, rng));
        }
        var options = Options(permutations, threshold, seed);
        var reference = new Reference(texts, options);
        reference.Check(new Deduplicator(options).FindDuplicates(texts));
        int rejected = reference.Candidates.Zip(reference.Matches).Sum(p => p.First.Count - p.Second.Count);
        Assert.True(rejected >= 10, $"only {rejected} pairs share a band but fall below the threshold");
        Assert.True(reference.Matches.Count(m => m.Count > 0) >= 10, "near duplicates are found");
    }

    /// <summary>
    /// Pairs that share a band and agree in exactly the threshold's share of positions (a near duplicate), and in one
    /// position fewer (kept), found by trying variants of a base text. 0.56 × 100 is 56.00000000000001 in double and
    /// 0.75 × 128 exactly 96: in both 56 and 96 agreeing positions must be enough.
    /// </summary>
    [Theory]
    [InlineData(100, 0.56)]
    [InlineData(128, 0.75)]
    [InlineData(128, 0.8)]
    public void AgreementOfExactlyTheThresholdsShareIsEnoughAndOnePositionLessIsNot(int permutations, double threshold)
    {
        var options = Options(permutations, threshold, seed: 5);
        var rng = new Random(6);
        var words = BaseWordsOf(0);
        string a = string.Join(' ', words);
        int m0 = (int)Math.Round(BaseWords * (1 - threshold) / (1 + threshold)); // Jaccard ≈ the threshold
        bool foundAt = false, foundBelow = false;
        for (int attempt = 0; attempt < 3000 && !(foundAt && foundBelow); attempt++)
        {
            string v = Replaced(words, m0 - 2 + attempt % 5, rng);
            var reference = new Reference([a, v], options);
            if (reference.Candidates[1].Count == 0) continue;
            int agreeing = reference.Agreeing(1, 0);
            if (agreeing == reference.Needed && !foundAt)
            {
                foundAt = true;
                var result = new Deduplicator(options).FindDuplicates([a, v]);
                Assert.True(result.Kinds[1] == DuplicateKind.Near, $"{agreeing} of {permutations} agreeing positions reach {threshold}, yet the pair was kept");
                reference.Check(result);
            }
            else if (agreeing == reference.Needed - 1 && !foundBelow)
            {
                foundBelow = true;
                var result = new Deduplicator(options).FindDuplicates([a, v]);
                Assert.True(result.Kinds[1] == DuplicateKind.Kept, $"{agreeing} of {permutations} agreeing positions are below {threshold}, yet the pair was a near duplicate");
                reference.Check(result);
            }
        }
        Assert.True(foundAt && foundBelow, "pairs at and one position below the threshold were found");
    }

    /// <summary>
    /// A near duplicate whose match sits in its buckets behind later kept rows: the base text, then 30 supersets of it
    /// (20 new words each, Jaccard 0.75: most kept, each sharing a band with it now and then), then subsets of it (10 words
    /// dropped, Jaccard 0.83): a subset whose every shared band with the base also holds a superset is found only by
    /// walking the bucket's chain past the superset.
    /// </summary>
    [Fact]
    public void ARowIsFoundBehindLaterKeptRowsInItsBuckets()
    {
        var options = Options(128, 0.8, seed: 9);
        var rng = new Random(10);
        var words = BaseWordsOf(0);
        var texts = new List<string> { string.Join(' ', words) };
        for (int k = 0; k < 30; k++) texts.Add(string.Join(' ', words.Concat(Enumerable.Range(0, 20).Select(e => $"s{k}e{e}")).OrderBy(_ => rng.Next())));
        int subsets = 0, deep = 0;
        for (int attempt = 0; attempt < 200 && deep == 0; attempt++)
        {
            texts.Add(string.Join(' ', words.OrderBy(_ => rng.Next()).Skip(10)));
            subsets++;
            var reference = new Reference(texts, options);
            int i = texts.Count - 1;
            if (reference.Matches[i] is [0] && Enumerable.Range(0, reference.Bands).Where(b => reference.SameBand(i, 0, b))
                    .All(b => reference.Kept.Any(k => k > 0 && k < i && reference.SameBand(k, 0, b))))
            {
                deep++;
                var result = new Deduplicator(options).FindDuplicates(texts);
                reference.Check(result);
                Assert.Equal(0, result.DuplicateOf[i]);
            }
        }
        Assert.True(deep == 1, $"none of {subsets} subsets shares bands with the base only where a superset does too");
    }

    static double Simpson(Func<double, double> f, double from, double to)
    {
        const int n = 2000;
        double h = (to - from) / n, sum = f(from) + f(to);
        for (int i = 1; i < n; i++) sum += (i % 2 == 1 ? 4 : 2) * f(from + i * h);
        return sum * h / 3;
    }

    /// <summary>
    /// The banding minimises 0.1 × the false-positive area + 0.9 × the false-negative area of the band-sharing curve
    /// P(s) = 1 − (1 − sʳ)ᵇ: checked against every (b, r) with b·r ≤ permutations, the areas integrated here by Simpson's
    /// rule on 2,000 intervals (the next best banding costs about 2% more in the first six cases). The last three are
    /// close calls where the integration must be right to the endpoint: at 16/0.1 the best banding is every
    /// permutation its own band (16 × 1, the largest b); at 16/0.89 (next best 0.7% more) and 64/0.84 (0.3% more)
    /// an error of one interval's f(to)·h in the trapezoid rule (subtracting the endpoint's half instead of adding it,
    /// or adding it a second time) picks another banding.
    /// </summary>
    [Theory]
    [InlineData(128, 0.8)]
    [InlineData(128, 0.5)]
    [InlineData(64, 0.9)]
    [InlineData(256, 0.7)]
    [InlineData(16, 0.6)]
    [InlineData(32, 0.75)]
    [InlineData(16, 0.1)]
    [InlineData(16, 0.89)]
    [InlineData(64, 0.84)]
    public void BandingMinimisesTheWeightedFalsePositiveAndFalseNegativeAreas(int permutations, double threshold)
    {
        double Cost(int b, int r) =>
            0.1 * Simpson(s => 1 - Math.Pow(1 - Math.Pow(s, r), b), 0, threshold) + 0.9 * Simpson(s => Math.Pow(1 - Math.Pow(s, r), b), threshold, 1);
        var best = (from b in Enumerable.Range(1, permutations) from r in Enumerable.Range(1, permutations / b) select (b, r, cost: Cost(b, r)))
            .MinBy(x => x.cost);
        Assert.Equal((best.b, best.r), LshParameters.Choose(permutations, threshold));
        if (permutations == 128 && threshold == 0.8) Assert.Equal((14, 9), (best.b, best.r)); // the banding the documentation names
    }
}
