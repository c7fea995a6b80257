using MLNetLlm.Data.Deduplication;

namespace MLNetLlm.Data.Tests.Deduplication;

/// <summary>
/// MinHash signatures against the exact Jaccard similarity of shingle sets built here from strings (the definition:
/// |A ∩ B| / |A ∪ B|), independent of the hasher's rolling hashes: the share of equal signature positions estimates it
/// with standard deviation √(J(1 − J)/k) for k permutations.
/// </summary>
public sealed class MinHasherTests
{
    const int Permutations = 2048; // σ ≤ 0.011: a 0.05 tolerance is more than 4σ

    static bool IsIdeograph(string text, int i) => MinHasher.IdeographLength(text, i) > 0;

    /// <summary>Words as the deduplicator defines them: runs of letters and digits, every Han ideograph or kana alone.</summary>
    static List<string> Words(string text)
    {
        var words = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            if (IsIdeograph(text, i)) { int len = MinHasher.IdeographLength(text, i); words.Add(text.Substring(i, len)); i += len; continue; }
            if (!char.IsLetterOrDigit(text[i])) { i++; continue; }
            int start = i;
            while (i < text.Length && char.IsLetterOrDigit(text[i]) && !IsIdeograph(text, i)) i++;
            words.Add(text[start..i]);
        }
        return words;
    }

    static HashSet<string> Shingles(string text, ShingleUnit unit, int k)
    {
        var units = unit == ShingleUnit.Word ? Words(text) : text.Select(c => c.ToString()).ToList();
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (units.Count == 0) return set;
        if (units.Count <= k) { set.Add(string.Join("\u0001", units)); return set; }
        for (int i = 0; i + k <= units.Count; i++) set.Add(string.Join("\u0001", units.Skip(i).Take(k)));
        return set;
    }

    static double Jaccard(HashSet<string> a, HashSet<string> b) => (double)a.Intersect(b).Count() / a.Union(b).Count();

    static double Estimate(MinHasher hasher, string a, string b, ShingleUnit unit, int k)
    {
        var sa = new uint[hasher.PaddedLength];
        var sb = new uint[hasher.PaddedLength];
        Assert.True(hasher.Compute(a, unit, k, sa));
        Assert.True(hasher.Compute(b, unit, k, sb));
        int equal = 0;
        for (int p = 0; p < hasher.NumPermutations; p++) if (sa[p] == sb[p]) equal++;
        return (double)equal / hasher.NumPermutations;
    }

    static string Document(Random rng, int words) => string.Join(' ', Enumerable.Range(0, words).Select(_ => $"w{rng.Next(400)}"));

    /// <summary>A copy of <paramref name="text"/> with every <paramref name="every"/>-th word replaced, shifted by a few inserted words.</summary>
    static string Edit(string text, int every, Random rng)
    {
        var words = text.Split(' ').ToList();
        for (int w = 0; w < words.Count; w += every) words[w] = $"x{rng.Next(100000)}";
        words.InsertRange(0, ["inserted", "prefix", "words"]);
        return string.Join(' ', words);
    }

    [Theory]
    [InlineData(ShingleUnit.Word, 3)]
    [InlineData(ShingleUnit.Word, 1)]
    [InlineData(ShingleUnit.Word, 5)]
    [InlineData(ShingleUnit.Character, 5)]
    [InlineData(ShingleUnit.Character, 3)]
    public void SignatureAgreementEstimatesTheExactJaccardOfTheShingleSets(ShingleUnit unit, int k)
    {
        var hasher = new MinHasher(Permutations, seed: 7);
        var rng = new Random(k * 10 + (int)unit);
        var similarities = new List<double>();
        foreach (int every in new[] { 2, 4, 8, 16, 40, 1000 })
        {
            string a = Document(rng, 150), b = Edit(a, every, rng);
            double exact = Jaccard(Shingles(a, unit, k), Shingles(b, unit, k));
            double estimate = Estimate(hasher, a, b, unit, k);
            Assert.True(Math.Abs(estimate - exact) < 0.05, $"{unit} {k}-shingles, every {every}th word edited: estimate {estimate:F3}, exact {exact:F3}");
            similarities.Add(exact);
        }
        Assert.True(similarities.Max() - similarities.Min() > 0.3, "the pairs span a range of similarities");
    }

    [Fact]
    public void IdeographsAndKanaAreWordsAndLatinRunsInsideThemStayWhole()
    {
        var hasher = new MinHasher(Permutations, seed: 3);
        string a = "我们明天去北京开会，请准备好report和议程。会议在上午十点开始，地点是公司三楼的大会议室，请大家准时到场。ありがとうございます", b = "我们后天去上海开会，请准备好report和议程。会议在下午两点开始，地点是公司三楼的大会议室，请大家准时到场。ありがとう";
        Assert.Contains("report", Words(a));
        Assert.Contains("北", Words(a));
        Assert.Contains("あ", Words(a));
        double exact = Jaccard(Shingles(a, ShingleUnit.Word, 3), Shingles(b, ShingleUnit.Word, 3));
        Assert.InRange(exact, 0.3, 0.8);
        Assert.InRange(Estimate(hasher, a, b, ShingleUnit.Word, 3), exact - 0.05, exact + 0.05);
        // a supplementary-plane ideograph (U+20BB7 𠮷) is one word of two UTF-16 units
        Assert.Equal(2, MinHasher.IdeographLength("𠮷野家", 0));
        Assert.Equal(1, MinHasher.IdeographLength("𠮷野家", 2));
        Assert.Equal(0, MinHasher.IdeographLength("a野", 0));
        Assert.Equal(0, MinHasher.IdeographLength("😀", 0)); // an emoji is a surrogate pair but no ideograph
    }

    [Fact]
    public void TextsShorterThanAShingleAreOneShingleAndTextsWithoutWordsHaveNone()
    {
        var hasher = new MinHasher(64, seed: 1);
        var s1 = new uint[hasher.PaddedLength];
        var s2 = new uint[hasher.PaddedLength];
        Assert.True(hasher.Compute("free money", ShingleUnit.Word, 3, s1));
        Assert.True(hasher.Compute("  free -- money!! ", ShingleUnit.Word, 3, s2));
        Assert.Equal(s1, s2); // the same two words: the same single shingle
        Assert.True(hasher.Compute("money free", ShingleUnit.Word, 3, s2));
        Assert.True(s1.Take(64).Zip(s2).Count(p => p.First == p.Second) < 8, "word order matters inside a shingle");

        Assert.True(hasher.Compute("abc", ShingleUnit.Character, 5, s1));
        Assert.True(hasher.Compute("abd", ShingleUnit.Character, 5, s2));
        Assert.True(s1.Take(64).Zip(s2).Count(p => p.First == p.Second) < 8);

        Assert.False(hasher.Compute(" ,.;-- ", ShingleUnit.Word, 3, s1));
        Assert.All(s1, v => Assert.Equal(uint.MaxValue, v)); // nothing hashed: every minimum stays at its start value
        Assert.False(hasher.Compute("", ShingleUnit.Character, 5, s1));
        Assert.Equal(64, hasher.NumPermutations);
        Assert.Equal(0, hasher.PaddedLength % System.Numerics.Vector<uint>.Count);
        Assert.InRange(hasher.PaddedLength, 64, 64 + System.Numerics.Vector<uint>.Count - 1);
    }

    [Fact]
    public void DifferentSeedsGiveDifferentSignaturesWithTheSameEstimates()
    {
        var rng = new Random(4);
        string a = Document(rng, 120), b = Edit(a, 6, rng);
        var h1 = new MinHasher(Permutations, seed: 1);
        var h2 = new MinHasher(Permutations, seed: 2);
        var s1 = new uint[h1.PaddedLength];
        var s2 = new uint[h2.PaddedLength];
        h1.Compute(a, ShingleUnit.Word, 3, s1);
        h2.Compute(a, ShingleUnit.Word, 3, s2);
        Assert.True(s1.Zip(s2).Count(p => p.First == p.Second) < 10);
        Assert.InRange(Estimate(h1, a, b, ShingleUnit.Word, 3) - Estimate(h2, a, b, ShingleUnit.Word, 3), -0.06, 0.06);
    }
}
