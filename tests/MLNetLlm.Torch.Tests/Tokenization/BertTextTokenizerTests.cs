using System.Text.Json.Nodes;
using MLNetLlm.Torch.Tests.Pretrained;
using MLNetLlm.Torch.Tokenization;

namespace MLNetLlm.Torch.Tests.Tokenization;

/// <summary>
/// The tokenizer's pieces against independent references: token ids against the tests' own BERT WordPiece
/// (<see cref="ReferenceWordPiece"/>) on the HF fixture's vocabulary, the normaliser and pre-tokeniser against expected
/// outputs written out by hand from BERT's rules, truncation against HF's <c>longest_first</c> worked through by hand.
/// </summary>
public sealed class BertTextTokenizerTests : TempDirectoryTest
{
    static readonly string[] Texts =
    [
        "Hello, world! How are you today?",
        "The QUICK brown fox\tjumps\nover the\r\nlazy dog.",
        "Café naïve résumé — déjà vu «quoted» ‘single’",
        "Prices: $5+3=8, 100% off; e-mail me@example.com (now)!",
        "中文文本和English混合，还有𠮷野家。",
        "control\u0007chars\u200Band\u0000nul\uFFFDreplacement",
        "emoji 😀 and symbols ™ © ¶ § ← →",
        "한국어 텍스트",
        "a" + new string('b', 120) + " tail",
        "   leading and trailing spaces   ",
        "",
    ];

    static IReadOnlyList<string> FixtureVocabulary()
    {
        var lines = File.ReadAllLines(Path.Combine(HfFixture.Dir, "vocab.txt"));
        return lines.Length > 0 && lines[^1].Length == 0 ? lines[..^1] : lines;
    }

    /// <summary>A vocabulary where every word is one token: id of "wN" is 10 + N.</summary>
    static BertTextTokenizer WordTokenizer(bool padFirst = true)
    {
        var vocab = new List<string> { "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        vocab.Insert(padFirst ? 0 : 3, "[PAD]");
        while (vocab.Count < 10) vocab.Add($"##filler{vocab.Count}");
        for (int i = 0; i < 20; i++) vocab.Add($"w{i}");
        return BertTextTokenizer.Create(vocab);
    }

    static string Words(params int[] ids) => string.Join(' ', ids.Select(i => $"w{i}"));

    [Fact]
    public void TokenIdsEqualTheReferenceWordPieceOnTheFixtureVocabulary()
    {
        var vocab = FixtureVocabulary();
        var tokenizer = BertTextTokenizer.Create(vocab);
        var reference = new ReferenceWordPiece(vocab);
        foreach (var text in Texts)
            Assert.Equal(reference.Tokenize(text), tokenizer.Tokenize(text));
        var ids = tokenizer.Tokenize(Texts[0]);
        Assert.Equal(ids.Take(3), tokenizer.Tokenize(Texts[0], maxTokens: 3));
        Assert.Contains(reference.Id("[UNK]"), tokenizer.Tokenize(Texts[8])); // a word over 100 characters is [UNK]
    }

    [Fact]
    public void PreTokenizerSplitsOnWhitespaceAndMakesEveryPunctuationCharacterAWord()
    {
        static string[] Split(string text) => BertPreTokenizer.Instance.PreTokenize(text).Select(p => text.Substring(p.Offset, p.Length)).ToArray();
        Assert.Equal(["Hello", ",", "world", "!", "$", "5", "+", "3", "=", "8"], Split(" Hello, world!\t$5+3=8 "));
        Assert.Equal(["a", "_", "b", "{", "c", "}", "~", "@", "`", "[", "x", "]", "/", ":"], Split("a_b{c}~@`[x]/:"));
        Assert.Equal(["«", "hi", "»", "—", "ok", "¿", "que", "?"], Split("«hi»—ok ¿que?"));
        Assert.Equal(["™", "😀", "x"], Split("™ 😀 x")); // symbols (So, Sm) are not punctuation: they stay words
        Assert.Equal(["tail"], Split("tail"));
        Assert.Empty(Split("   "));
        Assert.Equal(BertPreTokenizer.Instance.PreTokenize("a,b"), BertPreTokenizer.Instance.PreTokenize("a,b".AsSpan()));
        foreach (char c in "!/:@[`{~") Assert.True(BertPreTokenizer.IsPunctuation(c), $"'{c}'");
        foreach (char c in " 09AZaz\u007F") Assert.False(BertPreTokenizer.IsPunctuation(c), $"U+{(int)c:X4}");
    }

    [Fact]
    public void NormalizerFollowsBertsCleanUpCaseAndAccentRules()
    {
        var uncased = new BertTextNormalizer(lowerCase: true);
        Assert.Equal("a b c  d e", uncased.Normalize("a\tb\nc\r\nd\u00A0e"));
        Assert.Equal("xyz", uncased.Normalize("\0x\uFFFDy\u0007\u200Bz"));
        Assert.Equal("cafe naive", uncased.Normalize("Café NAÏVE"));
        Assert.Equal("a 中  文 b", uncased.Normalize("a中文b"));
        Assert.Equal(" 𠮷 ", uncased.Normalize("𠮷"));
        Assert.Equal("\u1112\u1161\u11AB", uncased.Normalize("한")); // Hangul decomposes into jamo (NFD), which are not Mn
        Assert.Equal("caf", uncased.Normalize("caf".AsSpan()));

        Assert.Equal("café", new BertTextNormalizer(lowerCase: true, stripAccents: false).Normalize("Café"));
        Assert.Equal("Cafe", new BertTextNormalizer(lowerCase: false, stripAccents: true).Normalize("Café"));
        Assert.Equal("Café", new BertTextNormalizer(lowerCase: false).Normalize("Café")); // cased: accents kept by default
        Assert.Equal("a中文b𠮷", new BertTextNormalizer(lowerCase: true, splitCjk: false).Normalize("a中文b𠮷"));

        foreach (int cp in new[] { 0x4E00, 0x9FFF, 0x3400, 0x4DBF, 0x20000, 0x2A6DF, 0x2A700, 0x2B73F, 0x2B740, 0x2B81F, 0x2B820, 0x2CEAF, 0xF900, 0xFAFF, 0x2F800, 0x2FA1F })
            Assert.True(BertTextNormalizer.IsCjk(cp), $"U+{cp:X}");
        foreach (int cp in new[] { 0x4DFF, 0x3399, 0xA000, 0x1FFFF, 0x2A6E0, 0x2CEB0, 0xF8FF, 0xFB00, 0x2F7FF, 0x2FA20, 0x3042, 0xAC00 })
            Assert.False(BertTextNormalizer.IsCjk(cp), $"U+{cp:X}");
    }

    [Fact]
    public void PairsAreTruncatedLongestFirstAsHuggingFaceDoes()
    {
        var tok = WordTokenizer();
        int cls = tok.ClsId, sep = tok.SepId;
        // a: 6 words, b: 3 words, 8 positions → budget 5: a 6→5→4→3, then the tie 3 = 3 takes from b (the second): 3 + 2
        var row = tok.EncodeRow(Words(0, 1, 2, 3, 4, 5), Words(6, 7, 8), 8);
        Assert.Equal([cls, 10, 11, 12, sep, 16, 17, sep], row.Ids);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 1, 1, 1 }, row.Types);
        // b longer: only b loses tokens
        row = tok.EncodeRow(Words(0), Words(1, 2, 3, 4, 5, 6), 7);
        Assert.Equal([cls, 10, sep, 11, 12, 13, sep], row.Ids);
        // fits: nothing removed
        row = tok.EncodeRow(Words(0, 1), Words(2), 6);
        Assert.Equal([cls, 10, 11, sep, 12, sep], row.Ids);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 1, 1 }, row.Types);
        // single texts keep their first maxLength − 2 tokens; null is empty
        Assert.Equal([cls, 10, 11, sep], tok.EncodeRow(Words(0, 1, 2, 3), null, 4).Ids);
        Assert.Equal([cls, sep], tok.EncodeRow(null, null, 3).Ids);
        Assert.Equal(new byte[] { 0, 0 }, tok.EncodeRow(null, null, 3).Types);
        Assert.Equal([cls, sep, sep], tok.EncodeRow("", "", 4).Ids);

        Assert.Throws<ArgumentOutOfRangeException>(() => tok.EncodeRow("w1", null, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.EncodeRow("w1", "w2", 3));
        Assert.Equal(3, tok.EncodeRow("w1 w2", null, 3).Ids.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchesPadToTheLongestRowOrToMaxLengthWithTheMaskAndTypes(bool padFirst)
    {
        var tok = WordTokenizer(padFirst);
        Assert.Equal(padFirst ? 0 : 3, tok.PadId);
        long pad = tok.PadId, cls = tok.ClsId, sep = tok.SepId;
        var batch = tok.Encode([Words(0, 1, 2), Words(3)], [Words(4), Words(5, 6)], 16);
        Assert.Equal(2, batch.Rows);
        Assert.Equal(7, batch.Length); // [CLS] 3 [SEP] 1 [SEP]
        Assert.Equal([cls, 10, 11, 12, sep, 14, sep], batch.Row(0));
        Assert.Equal([cls, 13, sep, 15, 16, sep, pad], batch.Row(1));
        Assert.Equal([1L, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], batch.AttentionMask);
        Assert.Equal([0L, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0], batch.TokenTypeIds);

        var singles = tok.Encode([Words(0, 1, 2), Words(3)], null, 16);
        Assert.Equal(5, singles.Length);
        Assert.Equal([cls, 13, sep, pad, pad], singles.Row(1));
        Assert.Equal([1L, 1, 1, 1, 1, 1, 1, 1, 0, 0], singles.AttentionMask);
        Assert.All(singles.TokenTypeIds, t => Assert.Equal(0L, t));

        var fixedLength = tok.Encode([Words(3)], null, 7, padToMaxLength: true);
        Assert.Equal(7, fixedLength.Length);
        Assert.Equal([cls, 13, sep, pad, pad, pad, pad], fixedLength.Row(0));
        Assert.Equal([1L, 1, 1, 0, 0, 0, 0], fixedLength.AttentionMask);

        var empty = tok.Encode([], null, 8);
        Assert.Equal(0, empty.Rows);
        Assert.Equal(0, empty.Length);
        Assert.Equal(8, tok.Encode([], null, 8, padToMaxLength: true).Length);

        var (ids, mask, types) = batch.ToTensors();
        using (ids) using (mask) using (types)
        {
            Assert.Equal([2L, 7], ids.shape);
            Assert.Equal(batch.InputIds, ids.data<long>().ToArray());
            Assert.Equal(batch.AttentionMask, mask.data<long>().ToArray());
            Assert.Equal(batch.TokenTypeIds, types.data<long>().ToArray());
        }
        var ex = Assert.Throws<ArgumentException>(() => tok.Encode(["a", "b"], ["c"], 8));
        Assert.Contains("2 texts but 1 pair texts", ex.Message);
    }

    [Fact]
    public void SettingsRoundTripThroughSaveAndFromDirectoryAndHuggingFaceFilesAreRead()
    {
        var vocab = WordTokenizer().Vocabulary;
        foreach (var (lower, strip, cjk) in new[] { (true, true, true), (false, false, true), (false, true, false), (true, false, true) })
        {
            string dir = Path.Combine(Dir, $"{lower}-{strip}-{cjk}");
            BertTextTokenizer.Create(vocab, lower, strip, cjk).Save(dir);
            var loaded = BertTextTokenizer.FromDirectory(dir);
            Assert.Equal((lower, strip, cjk), (loaded.LowerCase, loaded.StripAccents, loaded.SplitCjk));
            Assert.Equal(vocab, loaded.Vocabulary);
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")))!;
            Assert.Equal(strip == lower ? (bool?)null : strip, config["strip_accents"]?.GetValue<bool>());
            Assert.Equal("BertTokenizer", config["tokenizer_class"]!.GetValue<string>());
        }

        // tokenizer.json's BertNormalizer wins over tokenizer_config.json
        string hf = Path.Combine(Dir, "hf");
        BertTextTokenizer.Create(vocab, lowerCase: true).Save(hf);
        File.WriteAllText(Path.Combine(hf, "tokenizer.json"), """{"normalizer": {"type": "BertNormalizer", "lowercase": false, "strip_accents": null, "handle_chinese_chars": false}}""");
        var fromJson = BertTextTokenizer.FromDirectory(hf);
        Assert.Equal((false, false, false), (fromJson.LowerCase, fromJson.StripAccents, fromJson.SplitCjk));
        File.WriteAllText(Path.Combine(hf, "tokenizer.json"), """{"normalizer": {"type": "BertNormalizer"}}""");
        var defaults = BertTextTokenizer.FromDirectory(hf);
        Assert.Equal((true, true, true), (defaults.LowerCase, defaults.StripAccents, defaults.SplitCjk));
        // another normalizer type: tokenizer_config.json decides
        File.WriteAllText(Path.Combine(hf, "tokenizer.json"), """{"normalizer": {"type": "Lowercase"}}""");
        File.WriteAllText(Path.Combine(hf, "tokenizer_config.json"), """{"do_lower_case": false, "strip_accents": true, "tokenize_chinese_chars": false}""");
        var fromConfig = BertTextTokenizer.FromDirectory(hf);
        Assert.Equal((false, true, false), (fromConfig.LowerCase, fromConfig.StripAccents, fromConfig.SplitCjk));
        File.WriteAllText(Path.Combine(hf, "tokenizer_config.json"), "{}");
        var configDefaults = BertTextTokenizer.FromDirectory(hf);
        Assert.Equal((true, true, true), (configDefaults.LowerCase, configDefaults.StripAccents, configDefaults.SplitCjk));
        File.Delete(Path.Combine(hf, "tokenizer.json"));
        File.Delete(Path.Combine(hf, "tokenizer_config.json"));
        var bare = BertTextTokenizer.FromDirectory(hf);
        Assert.Equal((true, true, true), (bare.LowerCase, bare.StripAccents, bare.SplitCjk));

        var missing = Assert.Throws<FileNotFoundException>(() => BertTextTokenizer.FromDirectory(Path.Combine(Dir, "none")));
        Assert.Contains("none", missing.Message);
        var noMask = Assert.Throws<FormatException>(() => BertTextTokenizer.Create(vocab.Where(t => t != "[MASK]").ToList()));
        Assert.Contains("'[MASK]'", noMask.Message);
    }

    [Fact]
    public void NullArgumentsAndTooShortMaxLengthsAreRefusedByName()
    {
        Assert.Equal("vocabulary", Assert.Throws<ArgumentNullException>(() => BertTextTokenizer.Create(null!)).ParamName);
        var tok = WordTokenizer();
        Assert.Equal("texts", Assert.Throws<ArgumentNullException>(() => tok.Encode(null!, null, 8)).ParamName);
        // [CLS] + [SEP] (+ [SEP] for a pair) need one more place for a token: our check, not the word-piece library's
        foreach (var (pair, maxLength, least) in new[] { ((string?)null, 2, 3), (null, 1, 3), (null, 0, 3), ("w2", 3, 4), ("w2", 2, 4) })
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => tok.EncodeRow("w1", pair, maxLength));
            Assert.Equal("maxLength", ex.ParamName);
            Assert.StartsWith($"maxLength must be at least {least}.", ex.Message);
        }
    }

    [Fact]
    public void SavedFilesAreWhatHuggingFaceReads()
    {
        var tok = WordTokenizer();
        string dir = Path.Combine(Dir, "saved");
        tok.Save(dir);
        // vocab.txt: one token per line, each ending in a newline, UTF-8 without a byte-order mark (HF would read a BOM
        // as part of the first token)
        byte[] bytes = File.ReadAllBytes(Path.Combine(dir, "vocab.txt"));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(string.Join("", tok.Vocabulary.Select(t => t + "\n"))), bytes);
        // tokenizer_config.json: the special tokens by HF's keys
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")))!;
        foreach (var (key, token) in new[] { ("unk_token", "[UNK]"), ("sep_token", "[SEP]"), ("pad_token", "[PAD]"), ("cls_token", "[CLS]"), ("mask_token", "[MASK]") })
            Assert.Equal(token, config[key]?.GetValue<string>());
        Assert.True(config["do_lower_case"]!.GetValue<bool>());
        Assert.True(config["tokenize_chinese_chars"]!.GetValue<bool>());
    }

    [Fact]
    public void AnExplicitStripAccentsInTokenizerJsonOverridesTheCaseRule()
    {
        var vocab = WordTokenizer().Vocabulary;
        string hf = Path.Combine(Dir, "hf");
        BertTextTokenizer.Create(vocab).Save(hf);
        foreach (var (lower, strip) in new[] { (true, false), (false, true) })
        {
            File.WriteAllText(Path.Combine(hf, "tokenizer.json"), "{\"normalizer\": {\"type\": \"BertNormalizer\", \"lowercase\": " + (lower ? "true" : "false") + ", \"strip_accents\": " + (strip ? "true" : "false") + "}}");
            var t = BertTextTokenizer.FromDirectory(hf);
            Assert.Equal((lower, strip, true), (t.LowerCase, t.StripAccents, t.SplitCjk));
        }
    }

    [Fact]
    public void ALoneSurrogateIsDroppedLikeTheReplacementCharacterAndNeverTakenForAnIdeograph()
    {
        // a lone surrogate is what a UTF-8 decoder turns into U+FFFD, which BERT drops; string.Normalize would throw on it
        foreach (var normalizer in new[] { new BertTextNormalizer(lowerCase: true), new BertTextNormalizer(lowerCase: false) })
        {
            Assert.Equal("a", normalizer.Normalize("a\uD842"));     // a high surrogate at the end: no pair to read
            Assert.Equal("b", normalizer.Normalize("\uD842b"));
            Assert.Equal("bc", normalizer.Normalize("b\uDFB7c"));   // a low surrogate alone
            Assert.Equal("x \uD842\uDFB7 ", normalizer.Normalize("x\uD842\uDFB7")); // the pair U+20BB7 is an ideograph
            Assert.Equal("x\uD83D\uDE00", normalizer.Normalize("x\uD83D\uDE00"));  // an emoji pair is kept whole
        }
        Assert.Equal("x\uD842\uDFB7", new BertTextNormalizer(lowerCase: true, splitCjk: false).Normalize("x\uD842\uDFB7"));
        var tok = BertTextTokenizer.Create(FixtureVocabulary());
        Assert.Equal(tok.Tokenize("caf\u00E9 ok"), tok.Tokenize("caf\u00E9\uD800 ok"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SpecialTokensWrittenInsideATextAreOneTokenEachAsInHuggingFace(bool lowerCase)
    {
        // HF matches its special tokens in the raw text before normalising it (they are "added tokens", normalized =
        // false): "[MASK]" inside a text is the mask id, also when the model lower-cases, with or without spaces around it.
        var vocab = WordTokenizer().Vocabulary;
        var tok = BertTextTokenizer.Create(vocab, lowerCase);
        int Id(string token) => vocab.ToList().IndexOf(token);
        Assert.Equal(new[] { 11, Id("[MASK]"), 12 }, tok.Tokenize("w1 [MASK] w2"));
        Assert.Equal(new[] { 11, Id("[MASK]"), 12, Id("[SEP]"), 13 }, tok.Tokenize("w1[MASK]w2 [SEP]w3"));
        Assert.Equal(new[] { Id("[CLS]"), 14, Id("[UNK]"), Id("[PAD]") }, tok.Tokenize("[CLS] w4 [UNK][PAD]"));
        Assert.Equal(new[] { Id("[PAD]"), 11, Id("[UNK]") }, tok.Tokenize("[PAD] w1 [UNK]")); // the leftmost first, also at 0
        // spelled otherwise it is text: "[mask]" is "[", "mask", "]" (each [UNK] in this vocabulary), lower-cased or not
        Assert.Equal(new[] { 11, Id("[UNK]"), Id("[UNK]"), Id("[UNK]") }, tok.Tokenize("w1 [mask]"));
        // truncation counts a special token as one token
        Assert.Equal(new[] { 11, Id("[MASK]") }, tok.Tokenize("w1 [MASK] w2 w3", maxTokens: 2));
        Assert.Equal(new[] { 11, Id("[MASK]"), 12 }, tok.Tokenize("w1 [MASK] w2 w3", maxTokens: 3));
        Assert.Equal(new[] { 11 }, tok.Tokenize("w1 [MASK] w2", maxTokens: 1));
        // a row with a mask inside: [CLS] w1 [MASK] w2 [SEP], the mask attended like any other token
        var batch = tok.Encode(["w1 [MASK] w2"], null, 16);
        Assert.Equal(new long[] { tok.ClsId, 11, Id("[MASK]"), 12, tok.SepId }, batch.InputIds.Take(5).ToArray());
    }

    [Fact]
    public void ABlankLastLineOfVocabTxtIsAnEmptyTokenAsHuggingFaceReadsIt()
    {
        // HF's load_vocab numbers every line (readlines + rstrip("\n")): "a\nb\n\n" has the tokens "a", "b" and "" at
        // id 2. Dropping the blank line would make the vocabulary one token shorter than HF's and than the model's
        // embedding table built for it.
        var vocab = WordTokenizer().Vocabulary;
        string dir = Path.Combine(Dir, "blank");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "vocab.txt"), string.Join("\n", vocab) + "\n\n");
        var tok = BertTextTokenizer.FromDirectory(dir);
        Assert.Equal(vocab.Count + 1, tok.Vocabulary.Count);
        Assert.Equal("", tok.Vocabulary[^1]);
        Assert.Equal(vocab, tok.Vocabulary.Take(vocab.Count));
        Assert.Equal(new[] { 11, 12 }, tok.Tokenize("w1 w2"));
        // the usual file: every line ends in a newline, no empty token
        File.WriteAllText(Path.Combine(dir, "vocab.txt"), string.Join("\n", vocab) + "\n");
        Assert.Equal(vocab, BertTextTokenizer.FromDirectory(dir).Vocabulary);
        // and without the final newline
        File.WriteAllText(Path.Combine(dir, "vocab.txt"), string.Join("\n", vocab));
        Assert.Equal(vocab, BertTextTokenizer.FromDirectory(dir).Vocabulary);
        // a blank line between tokens takes an id too: the words after it keep their line numbers (w0 is line 10, now 11)
        File.WriteAllText(Path.Combine(dir, "vocab.txt"), string.Join("\n", vocab.Take(10)) + "\n\n" + string.Join("\n", vocab.Skip(10)) + "\n");
        var shifted = BertTextTokenizer.FromDirectory(dir);
        Assert.Equal("", shifted.Vocabulary[10]);
        Assert.Equal(new[] { 12, 13 }, shifted.Tokenize("w1 w2"));
    }
}
