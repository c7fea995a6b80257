using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Compression.Bert;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Onnx;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Models;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Compression;

public sealed class BertCompressionTests : IDisposable
{
    private readonly BertForSequenceClassification _model;
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetllm-bertc-").FullName;

    public BertCompressionTests()
    {
        (_model, _, _) = HuggingFaceCheckpoint.Load(HfFixture.Dir, CPU);
        _model.eval();
    }

    public void Dispose()
    {
        _model.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static (Tensor Ids, Tensor Mask, Tensor Types) Inputs(string prefix = "")
    {
        Tensor T(string key) { var rows = HfFixture.Longs(prefix + key); return tensor(rows.SelectMany(r => r).ToArray()).reshape(rows.Length, -1); }
        return (T("input_ids"), T("attention_mask"), T("token_type_ids"));
    }

    private float[] OnnxLogits(BertForSequenceClassification model, QuantizationMode mode)
    {
        string path = Path.Combine(_dir, $"{mode}-{Guid.NewGuid():N}.onnx");
        BertCompression.ExportOnnx(model, new QuantizationOptions { Mode = mode }, path);
        using var session = OnnxSequenceClassifier.Open(path, threads: 1);
        var (ids, mask, types) = Inputs();
        return session.Logits(ids.data<long>().ToArray(), mask.data<long>().ToArray(), types.data<long>().ToArray(), (int)ids.shape[0]);
    }

    [Fact]
    public void LayerwiseForwardMatchesTheModelAndAPrunedCloneLeavesTheOriginalAlone()
    {
        var (ids, mask, types) = Inputs();
        using var _ = no_grad();
        var expected = _model.Forward(ids, mask, types);
        using var clone = BertCompression.Clone(_model);
        var (logits, hidden) = clone.ForwardWithHiddenStates(ids, mask, types);
        var c = HfFixture.Config;
        Assert.Equal(c.NumHiddenLayers + 1, hidden.Count);
        Assert.Equal([ids.shape[0], ids.shape[1], (long)c.HiddenSize], hidden[^1].shape);
        Assert.True(expected.allclose(logits, rtol: 1e-5, atol: 1e-6));
        var reference = HfFixture.Floats(HfFixture.Reference["logits"]!).SelectMany(r => r).ToArray();
        Assert.True(expected.flatten().allclose(tensor(reference), rtol: 1e-4, atol: 1e-5));

        var kept = BertCompression.PruneStructured(clone, headFraction: 0.5, feedForwardFraction: 0.75);
        // The pruned fraction rounds down to whole heads / neurons.
        var expectedKept = (c.NumAttentionHeads - (int)Math.Floor(0.5 * c.NumAttentionHeads), c.IntermediateSize - (int)Math.Floor(0.75 * c.IntermediateSize));
        Assert.All(kept, k => Assert.Equal(expectedKept, k));
        Assert.All(BertCompression.Widths(_model), w => Assert.Equal((c.NumAttentionHeads, c.IntermediateSize), w));
        Assert.True(expected.allclose(_model.Forward(ids, mask, types)));
        // The pruned clone still runs in TorchSharp, with its own (different) outputs.
        Assert.False(expected.allclose(clone.Forward(ids, mask, types), rtol: 1e-6, atol: 1e-9));
    }

    [Fact]
    public void StructurallyPrunedModelExportsToOnnxWithTheSameLogits()
    {
        using var pruned = BertCompression.Clone(_model);
        BertCompression.PruneStructured(pruned, headFraction: 0.5, feedForwardFraction: 0.5);
        var (ids, mask, types) = Inputs();
        float[] torchLogits;
        using (no_grad()) torchLogits = pruned.Forward(ids, mask, types).data<float>().ToArray();
        float[] onnx = OnnxLogits(pruned, QuantizationMode.None);
        AssertClose.All(torchLogits, onnx, abs: 1e-5, rel: 1e-5, what: "fp32 ONNX logits");
        float[] int8 = OnnxLogits(pruned, QuantizationMode.DynamicInt8);
        double int8Error = torchLogits.Zip(int8, (a, b) => Math.Abs(a - b)).Max();
        double allowed = Int8Tolerance(torchLogits);
        Assert.True(int8Error < allowed, $"max |int8 - fp32| = {int8Error} (allowed {allowed})");
    }

    /// <summary>
    /// What int8 may move logits by: 5% of their range, at least 2e-3. Weights and activations quantize relative to
    /// their own scale, so the error grows with the logits: 2.3% of the range on the tiny fixture (range 0.086), 4.4% on a
    /// 3-layer checkpoint with realistic weights (range 4.2, scripts/make-test-checkpoint.py); a wrong scale or zero
    /// point moves logits by about their whole range.
    /// </summary>
    internal static double Int8Tolerance(IReadOnlyCollection<float> fp32Logits) => Math.Max(2e-3, 0.05 * (fp32Logits.Max() - fp32Logits.Min()));

    [Fact]
    public void MagnitudePrunerCoversTheEncoderProjectionsOnly()
    {
        using var clone = BertCompression.Clone(_model);
        var pruner = BertCompression.MagnitudePruner(clone, PruningScope.PerLayer);
        Assert.Equal(6 * HfFixture.Config.NumHiddenLayers, pruner.LayerNames.Count); // layers × (q, k, v, attention.output, intermediate, output)
        pruner.Prune(0.6);
        Assert.All(pruner.LayerSparsity().Values, s => AssertClose.Equal(0.6, s, abs: 1e-2));
        var pooler = clone.named_parameters().Single(p => p.name == "bert.pooler.dense.weight").parameter;
        Assert.Equal(0, pooler.eq(0).sum().item<long>());
    }

    [Fact]
    public void StudentTakesTheTeachersEmbeddingsAndMappedLayers()
    {
        var (student, copied) = BertCompression.CreateStudent(_model, new DistillationOptions { StudentLayers = 1 });
        using (student)
        {
            Assert.Equal(1, student.Config.NumHiddenLayers);
            var s = student.HuggingFaceWeights();
            var t = _model.HuggingFaceWeights();
            // One student layer: it imitates (and starts as) the teacher's last layer.
            int last = HfFixture.Config.NumHiddenLayers - 1;
            Assert.True(s["bert.encoder.layer.0.output.dense.weight"].eq(t[$"bert.encoder.layer.{last}.output.dense.weight"]).all().item<bool>());
            Assert.True(s["bert.embeddings.word_embeddings.weight"].eq(t["bert.embeddings.word_embeddings.weight"]).all().item<bool>());
            Assert.Equal(s.Count, copied.Count);
        }
        var c = HfFixture.Config;
        int narrowHeads = Math.Max(1, c.NumAttentionHeads / 2);
        var (narrow, narrowCopied) = BertCompression.CreateStudent(_model, new DistillationOptions { StudentLayers = 1, StudentHiddenSize = narrowHeads * c.HeadSize });
        using (narrow)
        {
            Assert.Equal(narrowHeads, narrow.Config.NumAttentionHeads); // keeps the teacher's head size
            Assert.Equal(4 * narrow.Config.HiddenSize, narrow.Config.IntermediateSize); // narrower than the teacher: BERT's 4 × hidden
            Assert.DoesNotContain("bert.embeddings.word_embeddings.weight", narrowCopied);
        }
        Assert.Equal(c.NumHiddenLayers, BertCompression.StudentConfig(_model.Config, new DistillationOptions { StudentLayers = c.NumHiddenLayers + 10 }).NumHiddenLayers);
        Assert.Throws<ArgumentOutOfRangeException>(() => BertCompression.StudentConfig(_model.Config, new DistillationOptions { StudentLayers = 0 }));
    }
}
