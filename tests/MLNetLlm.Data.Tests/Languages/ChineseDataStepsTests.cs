using MLNetLlm.Data.Augmentation;
using MLNetLlm.Data.Chunking;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Data.Languages;
using MLNetLlm.Data.Tests.RealData;

namespace MLNetLlm.Data.Tests.Languages;

/// <summary>Augmentation, deduplication and chunking of Chinese text, on the shipped chinese-poetry sample where it matters.</summary>
public class ChineseDataStepsTests
{
    static string[] Poems(string task = "dynasty") =>
        RepoFiles.PoetryTrain(task) is var t ? t.Rows.Select(r => r[t.ColumnIndex("Text")]).ToArray() : [];

    static SynonymDictionary Groups(params string[] lines)
    {
        string file = Path.Combine(Path.GetTempPath(), $"zh-synonyms-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(file, lines);
        try { return SynonymDictionary.Load(file); }
        finally { File.Delete(file); }
    }

    /// <summary>The words (letter/digit tokens) of a text under the character segmenter.</summary>
    static List<string> Words(string text) =>
        CharacterWordSegmenter.Instance.Segment(text).Select(r => text.Substring(r.Start, r.Length)).Where(w => w.Any(char.IsLetterOrDigit)).ToList();

    [Fact]
    public void ChineseSynonymFilesAcceptSpacesCommasAndCilinLines()
    {
        var d = Groups("# comment", "高兴 开心 快乐", "美丽,漂亮", "Aa01A05= 匹夫 个人", "Aa01B02# 相关 词语", "Aa01C01@ 单独");
        Assert.Equal(["开心", "快乐"], d.Synonyms("高兴"));
        Assert.Equal(["美丽"], d.Synonyms("漂亮"));
        Assert.Equal(["个人"], d.Synonyms("匹夫"));
        Assert.Empty(d.Synonyms("相关")); // '#' lines are related words, not synonyms
        Assert.Empty(d.Synonyms("单独"));
    }

    [Theory]
    [InlineData(EdaOperation.RandomSwap, 0.2)]
    [InlineData(EdaOperation.RandomDeletion, 0.2)]
    [InlineData(EdaOperation.SynonymReplacement, 0.3)]
    [InlineData(EdaOperation.RandomInsertion, 0.1)]
    public void ChineseEdaChangesAtMostTheRequestedShareOfWordsAndKeepsPunctuation(EdaOperation op, double rate)
    {
        // one-character groups: the character segmenter sees each synonym as one word, so words can be compared by position
        var synonyms = Groups("月 蟾 玉", "山 峰 岭", "水 江 河", "春 芳", "风 飙", "花 葩", "人 民");
        var augmenter = new TextAugmenter(new AugmentationOptions
        {
            Language = TextLanguage.Chinese, SynonymReplacementRate = rate, RandomInsertionRate = rate, RandomSwapRate = rate, RandomDeletionRate = rate,
        }, chineseSynonyms: synonyms);
        foreach (var (poem, i) in Poems().Take(150).Select((p, i) => (p, i)))
        {
            var before = Words(poem);
            string edited = augmenter.Augment(poem, op, new Random(i));
            var after = Words(edited);
            int n = before.Count, budget = (int)Math.Floor(rate * n + 1e-9);
            // punctuation is never touched
            Assert.Equal(poem.Where(c => char.IsPunctuation(c)).ToArray(), edited.Where(c => char.IsPunctuation(c)).ToArray());
            switch (op)
            {
                case EdaOperation.RandomSwap:
                    Assert.Equal(before.Order(), after.Order());
                    Assert.True(before.Zip(after).Count(p => p.First != p.Second) <= 2 * (budget / 2), $"{poem} -> {edited}");
                    break;
                case EdaOperation.RandomDeletion:
                    Assert.Equal(n - Math.Min(budget, n - 1), after.Count);
                    break;
                case EdaOperation.SynonymReplacement:
                {
                    Assert.Equal(n, after.Count);
                    var changed = before.Zip(after).Where(p => p.First != p.Second).ToList();
                    Assert.True(changed.Count <= budget, $"{changed.Count} > {budget}: {poem} -> {edited}");
                    foreach (var (from, to) in changed) Assert.Contains(to, synonyms.Synonyms(from)); // only from the word's own group
                    break;
                }
                case EdaOperation.RandomInsertion:
                {
                    Assert.InRange(after.Count - n, 0, budget);
                    var inserted = after.Count - n;
                    // every inserted word is a synonym from some group, of a word of the poem
                    var pool = before.SelectMany(w => synonyms.Synonyms(w)).ToHashSet();
                    var extra = new List<string>(after);
                    foreach (var w in before) extra.Remove(w);
                    Assert.Equal(inserted, extra.Count);
                    Assert.All(extra, w => Assert.Contains(w, pool));
                    break;
                }
            }
        }
    }

    [Fact]
    public void AutoLanguageKeepsEnglishRowsOnTheOldPathAndEditsChineseRowsOnWords()
    {
        var auto = new TextAugmenter(new AugmentationOptions { RandomSwapRate = 0.5, SynonymReplacementRate = 0, RandomInsertionRate = 0, RandomDeletionRate = 0 });
        var english = new TextAugmenter(new AugmentationOptions { Language = TextLanguage.English, RandomSwapRate = 0.5, SynonymReplacementRate = 0, RandomInsertionRate = 0, RandomDeletionRate = 0 });
        const string en = "the quick brown fox jumps over the lazy dog today";
        Assert.Equal(english.Augment(en, EdaOperation.RandomSwap, new Random(3)), auto.Augment(en, EdaOperation.RandomSwap, new Random(3)));
        string zh = auto.Augment("床前明月光，疑是地上霜。", EdaOperation.RandomSwap, new Random(3));
        Assert.DoesNotContain(" ", zh);
        Assert.Equal("床前明月光疑是地上霜".Order(), zh.Where(c => !char.IsPunctuation(c)).Order());
        Assert.Equal('，', zh[5]);
        Assert.Equal("iPhone 15很好", TextAugmenter.JoinChinese(["iPhone", "15", "很", "好"]));
    }

    [Fact]
    public void ChineseRowsWithoutASynonymFileGetNoSynonymEdits()
    {
        var augmenter = new TextAugmenter(new AugmentationOptions { Language = TextLanguage.Chinese, SynonymReplacementRate = 0.5 });
        Assert.Equal("床前明月光，疑是地上霜。", augmenter.Augment("床前明月光，疑是地上霜。", EdaOperation.SynonymReplacement, new Random(1)));
        Assert.Equal("", augmenter.Augment("", EdaOperation.RandomSwap, new Random(1)));
        Assert.Equal("，。！", augmenter.Augment("，。！", EdaOperation.RandomDeletion, new Random(1)));
    }

    [Fact]
    public void CjkMinhashFindsNearDuplicatePoemsWithDefaultWordShingles()
    {
        var poems = Poems().Where(p => p.Length >= 56).Distinct().Take(120).ToArray();
        var texts = new List<string>(poems);
        var rng = new Random(11);
        // near copies: one character of 48+ replaced (Jaccard of character 3-grams at least (46-3)/(46+3) = 0.88)
        for (int d = 0; d < 40; d++)
        {
            var chars = poems[d].ToCharArray();
            int at;
            do at = rng.Next(chars.Length); while (char.IsPunctuation(chars[at]));
            chars[at] = '鑫';
            texts.Add(new string(chars));
        }
        // LSH recall is near 1 only well above the threshold: 0.7 for copies at about 0.88 (the default 0.8 sits on the S-curve's slope)
        var result = new Deduplicator(new DeduplicationOptions { JaccardThreshold = 0.7, MaxDegreeOfParallelism = 1 }).FindDuplicates(texts);
        for (int d = 0; d < 40; d++) Assert.Equal(d, result.DuplicateOf[poems.Length + d]);
        Assert.All(result.DuplicateOf.Take(poems.Length), dup => Assert.Equal(-1, dup)); // different poems are kept
        Assert.Equal(40, result.NearDuplicates);
    }

    [Fact]
    public void BeforeIdeographsWereWordsAChineseTextWasOneShingle()
    {
        // Two different poems that share no line: with one "word" per punctuation-delimited run their 3-word shingles
        // would differ completely anyway; the real check is that a one-character change still leaves them similar.
        string a = "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。";
        string b = "白日依山尽，黄河入海流。欲穷千里目，更上一层台。";
        var result = new Deduplicator(new DeduplicationOptions { JaccardThreshold = 0.7, MaxDegreeOfParallelism = 1 }).FindDuplicates([a, b]);
        Assert.Equal([-1, 0], result.DuplicateOf);
    }

    [Theory]
    [InlineData(ChunkUnit.Character, 10, 2)]
    [InlineData(ChunkUnit.Word, 8, 3)]
    public void ChunkingChineseByCharactersOrWordsUsesTheSameStride(ChunkUnit unit, int max, int overlap)
    {
        string text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。";
        var chunker = new TextChunker(new ChunkingOptions { Unit = unit, MaxTokens = max, Overlap = overlap });
        var (basis, chunks) = chunker.Split(text);
        Assert.Equal(text, basis);
        var units = unit == ChunkUnit.Character
            ? Enumerable.Range(0, text.Length).Select(i => (Start: i, Length: 1)).ToList()
            : CharacterWordSegmenter.Instance.Segment(text).ToList();
        int step = max - overlap;
        for (int c = 0; c < chunks.Count; c++)
        {
            int first = c * step, last = Math.Min(first + max, units.Count) - 1;
            Assert.Equal(units[first].Start, chunks[c].Start);
            Assert.Equal(units[last].Start + units[last].Length, chunks[c].Start + chunks[c].Length);
        }
        Assert.Equal(units[^1].Start + units[^1].Length, chunks[^1].Start + chunks[^1].Length);
        // the default token unit sees each punctuation-delimited run as one token: the text is short
        Assert.Single(new TextChunker(new ChunkingOptions { MaxTokens = max, Overlap = overlap }).Split(text).Chunks);
    }

    [Fact]
    public void ChunkingOptionsRefuseATokenizerWithAnotherUnitNamingTheOption()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TextChunker(new ChunkingOptions { Unit = ChunkUnit.Character, VocabularyPath = "vocab.txt" }));
        Assert.Equal("Unit", ex.ParamName);
        Assert.Equal("Segmenter", Assert.Throws<ArgumentException>(() => new TextChunker(new ChunkingOptions { Segmenter = CharacterWordSegmenter.Instance })).ParamName);
    }

    [Fact]
    public void CharacterChunksNeverSplitAnEmojiOrCountSpaces()
    {
        string text = "好 👍🏽 好 👨‍👩‍👧 好";
        var (_, chunks) = new TextChunker(new ChunkingOptions { Unit = ChunkUnit.Character, MaxTokens = 2, Overlap = 0 }).Split(text);
        var pieces = chunks.Select(c => text.Substring(c.Start, c.Length)).ToArray();
        Assert.Equal(["好 👍🏽", "好 👨‍👩‍👧", "好"], pieces);
    }
}
