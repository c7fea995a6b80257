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

    /// <summary>
    /// The Unicode blocks whose characters are one word each: Hiragana and Katakana (U+3040–U+30FF), CJK Extension A
    /// (U+3400–U+4DBF), CJK Unified Ideographs (U+4E00–U+9FFF), CJK Compatibility Ideographs (U+F900–U+FAFF) and the
    /// supplementary ideographs of Extensions B–H (U+20000–U+323AF). Each first and last code point is inside, its
    /// neighbour outside.
    /// </summary>
    [Theory]
    [InlineData(0x303F, 0)]
    [InlineData(0x3040, 1)]
    [InlineData(0x30FF, 1)]
    [InlineData(0x3100, 0)]
    [InlineData(0x33FF, 0)]
    [InlineData(0x3400, 1)]
    [InlineData(0x4DBF, 1)]
    [InlineData(0x4DC0, 0)]
    [InlineData(0x4DFF, 0)]
    [InlineData(0x4E00, 1)]
    [InlineData(0x9FFF, 1)]
    [InlineData(0xA000, 0)]
    [InlineData(0xF8FF, 0)]
    [InlineData(0xF900, 1)]
    [InlineData(0xFAFF, 1)]
    [InlineData(0xFB00, 0)]
    [InlineData(0x1FFFF, 0)]
    [InlineData(0x20000, 2)]
    [InlineData(0x323AF, 2)]
    [InlineData(0x323B0, 0)]
    public void IdeographRangesIncludeTheirFirstAndLastCodePointsAndNothingNextToThem(int codePoint, int expectedLength)
    {
        string c = char.ConvertFromUtf32(codePoint);
        Assert.Equal(expectedLength, MinHasher.IdeographLength(c + "a", 0));
        Assert.Equal(expectedLength, MinHasher.IdeographLength("a" + c, 1));
        // as word shingles: an ideograph next to a Latin word is a word of its own, anything else joins or splits it
        var hasher = new MinHasher(64, seed: 5);
        var joined = new uint[hasher.PaddedLength];
        var apart = new uint[hasher.PaddedLength];
        Assert.True(hasher.Compute("ab" + c + "cd", ShingleUnit.Word, 1, joined));
        Assert.True(hasher.Compute("ab " + c + " cd", ShingleUnit.Word, 1, apart));
        bool isLetter = c.Length == 1 && char.IsLetterOrDigit(c[0]); // words are runs of letter/digit UTF-16 units
        bool sameAsSpaced = joined.SequenceEqual(apart);
        Assert.Equal(expectedLength > 0 || !isLetter, sameAsSpaced);
    }

    [Fact]
    public void ALoneOrMismatchedSurrogateIsNoIdeograph()
    {
        Assert.Equal(0, MinHasher.IdeographLength("a\uD840", 1)); // a high surrogate at the end of the text
        Assert.Equal(0, MinHasher.IdeographLength("\uD840a", 0)); // followed by no low surrogate
        Assert.Equal(0, MinHasher.IdeographLength("\uDFB7\uD842", 0)); // the pair of U+20BB7 the wrong way round
        Assert.Equal(2, MinHasher.IdeographLength("\uD842\uDFB7", 0));
    }

    static uint[] Signature(MinHasher hasher, string text, ShingleUnit unit, int k)
    {
        var s = new uint[hasher.PaddedLength];
        Assert.True(hasher.Compute(text, unit, k, s), $"'{text}' has shingles");
        return s;
    }

    /// <summary>
    /// A MinHash signature of a set is the element-wise minimum of the signatures of its parts. A text of n ≥ k units has
    /// the shingles of its n − k + 1 windows of exactly k units, so its signature must equal the minimum of theirs, each
    /// hashed on its own: the rolling hash (adding a unit, removing the one k back) against fresh hashes of every window.
    /// </summary>
    [Theory]
    [InlineData(ShingleUnit.Word, 1)]
    [InlineData(ShingleUnit.Word, 2)]
    [InlineData(ShingleUnit.Word, 3)]
    [InlineData(ShingleUnit.Word, 5)]
    [InlineData(ShingleUnit.Character, 1)]
    [InlineData(ShingleUnit.Character, 3)]
    [InlineData(ShingleUnit.Character, 5)]
    [InlineData(ShingleUnit.Character, 9)]
    public void ATextsSignatureIsTheMinimumOfItsWindowsSignatures(ShingleUnit unit, int k)
    {
        var hasher = new MinHasher(256, seed: 11);
        string[] texts =
        [
            "the quick brown fox jumps over the lazy dog while 42 cats watch",
            "我们明天去北京开会，请准备好report和议程。ありがとう",
            "x1 x2 x3 x4 x5 x6",
            "aaaa aaaa aaaa aaaa aaaa aaaa aaaa", // repeated units: windows hash equal, the set is small
        ];
        foreach (string text in texts)
        {
            List<string> windows;
            if (unit == ShingleUnit.Word)
            {
                var words = Words(text);
                Assert.True(words.Count > k);
                windows = Enumerable.Range(0, words.Count - k + 1).Select(i => string.Join(' ', words.Skip(i).Take(k))).ToList();
            }
            else
                windows = Enumerable.Range(0, text.Length - k + 1).Select(i => text.Substring(i, k)).ToList();
            var expected = Enumerable.Repeat(uint.MaxValue, hasher.PaddedLength).ToArray();
            foreach (string w in windows)
            {
                var sw = Signature(hasher, w, unit, k);
                for (int p = 0; p < expected.Length; p++) expected[p] = Math.Min(expected[p], sw[p]);
            }
            Assert.Equal(expected, Signature(hasher, text, unit, k));
        }
    }

    [Fact]
    public void TextsShorterThanAShingleDifferingInAnyOneCharacterHashApart()
    {
        var hasher = new MinHasher(64, seed: 2);
        var reference = Signature(hasher, "spam", ShingleUnit.Character, 5);
        foreach (string other in new[] { "xpam", "sxam", "spxm", "spax", "spa", "pam", "spam!" })
        {
            int equal = reference.Take(64).Zip(Signature(hasher, other, ShingleUnit.Character, 5)).Count(p => p.First == p.Second);
            Assert.True(equal < 8, $"'{other}' shares {equal} of 64 minima with 'spam'");
        }
        Assert.Equal(reference, Signature(hasher, "spam", ShingleUnit.Character, 4)); // exactly k characters: the same one shingle
    }
}
