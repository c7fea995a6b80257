using Microsoft.ML;
using MLNetLlm.IO;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Compression;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Torch.Tests.Chinese;

/// <summary>The from-scratch WordPiece vocabulary and a from-scratch BERT on Chinese (the shipped chinese-poetry samples).</summary>
public class ChineseWordPieceTests
{
    static DelimitedTable Poetry(string task, string part)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string path = Path.Combine(d.FullName, "data", "poetry", task, $"sample-{part}.csv");
            if (File.Exists(path)) return DelimitedFile.Read(path);
        }
        throw new FileNotFoundException($"data/poetry/{task}/sample-{part}.csv not found above {AppContext.BaseDirectory}.");
    }

    static string[] Texts(DelimitedTable t) => t.Rows.Select(r => r[t.ColumnIndex("Text")]).ToArray();

    static IEnumerable<string> Han(string text) => text.EnumerateRunes().Select(r => r.ToString()).Where(IsHan);

    static bool IsHan(string s) => s.Length is 1 or 2 && char.ConvertToUtf32(s, 0) is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0xF900 and <= 0xFAFF) or >= 0x20000;

    [Fact]
    public void AChineseVocabularyHoldsTheFrequentCharactersBeyondTheAlphabetCap()
    {
        var texts = Texts(Poetry("dynasty", "train"));
        var counts = texts.SelectMany(Han).GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(counts.Count > 1000, $"{counts.Count} distinct characters"); // more than the alphabet cap of 1,000

        var vocab = WordPieceVocabularyBuilder.Build(texts, vocabularySize: 8000);
        var set = vocab.ToHashSet(StringComparer.Ordinal);
        // 8,000 is room enough: every character of the training text is in, even those seen once (they are the alphabet)
        Assert.All(counts.Keys, c => Assert.Contains(c, set));
        Assert.DoesNotContain(vocab, t => t.StartsWith("##", StringComparison.Ordinal) && IsHan(t[2..])); // never a continuation
        Assert.Equal(WordPieceVocabularyBuilder.SpecialTokens, vocab.Take(5));

        // on the test part, the unknown tokens are (up to a few from the tokenizer's own normalisation) the characters
        // never seen in training
        var tokenizer = BertTextTokenizer.Create(vocab);
        int unkId = vocab.ToList().IndexOf("[UNK]");
        int unseen = 0, unknown = 0, tokens = 0;
        foreach (var t in Texts(Poetry("dynasty", "test")))
        {
            unseen += Han(t).Count(c => !counts.ContainsKey(c));
            var ids = tokenizer.Tokenize(t);
            unknown += ids.Count(i => i == unkId);
            tokens += ids.Count;
        }
        Assert.InRange(unknown, unseen * 9 / 10, unseen + tokens / 500);
    }

    [Fact]
    public void ASmallVocabularyKeepsTheMostFrequentCharactersAndMixedTextStillGetsEnglishMerges()
    {
        var zh = Texts(Poetry("form", "train"));
        var vocab = WordPieceVocabularyBuilder.Build(zh, vocabularySize: 600);
        Assert.True(vocab.Count <= 600);
        var chars = vocab.Where(IsHan).ToHashSet();
        var ranked = zh.SelectMany(t => t).Where(c => c is >= '\u4E00' and <= '\u9FFF').GroupBy(c => c).OrderByDescending(g => g.Count()).Select(g => g.Key.ToString()).ToList();
        Assert.All(ranked.Take(300), c => Assert.Contains(c, chars)); // the most frequent ones are in
        Assert.True(chars.Count > 500, $"{chars.Count} characters");  // Chinese-only text: the room goes to characters

        var mixed = zh.Take(100).Select((t, i) => $"{t} machine learning models {i % 7} transformers").ToArray();
        var mixedVocab = WordPieceVocabularyBuilder.Build(mixed, vocabularySize: 1500).ToHashSet();
        Assert.Contains("learning", mixedVocab);
        Assert.Contains("transformers", mixedVocab);
        Assert.Contains(ranked[0], mixedVocab);
    }

    [Fact]
    public void TextWithoutCjkGetsNoIdeographs()
    {
        var vocab = WordPieceVocabularyBuilder.Build(["the cat sat on the mat", "the dog sat on the log", "cats and dogs"], vocabularySize: 200, minFrequency: 1);
        Assert.DoesNotContain(vocab, IsHan);
        Assert.Contains("sat", vocab);
    }

    public sealed class Poem
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }

    public sealed class Verdict
    {
        public bool PredictedLabel { get; set; }
        public float Score { get; set; }
    }

    [Fact]
    public void ABertTrainedFromScratchTellsCiFromShiRoundTripsAndQuantizes()
    {
        var ml = new MLContext(seed: 1);
        Poem[] Rows(string part) { var t = Poetry("form", part); return t.Rows.Select(r => new Poem { Text = r[t.ColumnIndex("Text")], Label = r[t.ColumnIndex("Label")] == "ci" }).ToArray(); }
        var train = ml.Data.LoadFromEnumerable(Rows("train"));
        var testRows = Rows("test");
        var test = ml.Data.LoadFromEnumerable(testRows);
        var options = TestData.Tiny(new TextClassificationTrainer.Options());
        options.ScratchVocabularySize = 3000;
        options.MaxLength = 64;
        options.NumberOfEpochs = 6;
        options.LearningRate = 2e-3;
        var model = ml.Llm().TextClassification(options).Fit(train);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        // shi have lines of 5 or 7 characters and ci lines of changing length; the classes are 40 shi / 27 ci
        Assert.True(metrics.Accuracy >= 0.75, $"accuracy {metrics.Accuracy:0.000}");

        string path = Path.Combine(Path.GetTempPath(), $"zh-bert-{Guid.NewGuid():N}.mlnetllm");
        try
        {
            ml.Llm().Model.Save(model, train.Schema, path);
            var loaded = new MLContext().Llm().Model.Load(path, out _);
            var a = ml.Model.CreatePredictionEngine<Poem, Verdict>(model);
            var b = ml.Model.CreatePredictionEngine<Poem, Verdict>(loaded);
            foreach (var r in testRows.Take(10)) Assert.Equal(a.Predict(r).Score, b.Predict(r).Score, 4);
        }
        finally { File.Delete(path); }

        // int8 compression (ONNX export + dynamic quantization) has nothing language-specific: it keeps the accuracy
        using var quantized = ml.Llm().Quantize(model, new QuantizationOptions { Mode = QuantizationMode.DynamicInt8, Threads = 1 }).Fit(train);
        var int8 = ml.BinaryClassification.Evaluate(quantized.Transform(test));
        Assert.True(int8.Accuracy >= metrics.Accuracy - 0.05, $"int8 accuracy {int8.Accuracy:0.000} vs {metrics.Accuracy:0.000}");
    }
}
