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
        Assert.Equal(3, hidden.Count);
        Assert.Equal([ids.shape[0], ids.shape[1], 64L], hidden[2].shape);
        Assert.True(expected.allclose(logits, rtol: 1e-5, atol: 1e-6));
        var reference = HfFixture.Floats(HfFixture.Reference["logits"]!).SelectMany(r => r).ToArray();
        Assert.True(expected.flatten().allclose(tensor(reference), rtol: 1e-4, atol: 1e-5));

        var kept = BertCompression.PruneStructured(clone, headFraction: 0.5, feedForwardFraction: 0.75);
        Assert.All(kept, k => Assert.Equal((2, 32), k));
        Assert.All(BertCompression.Widths(_model), w => Assert.Equal((4, 128), w));
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
        Assert.True(torchLogits.Zip(onnx, (a, b) => Math.Abs(a - b)).Max() < 1e-5);
        float[] int8 = OnnxLogits(pruned, QuantizationMode.DynamicInt8);
        Assert.True(torchLogits.Zip(int8, (a, b) => Math.Abs(a - b)).Max() < 5e-3);
    }

    [Fact]
    public void MagnitudePrunerCoversTheEncoderProjectionsOnly()
    {
        using var clone = BertCompression.Clone(_model);
        var pruner = BertCompression.MagnitudePruner(clone, PruningScope.PerLayer);
        Assert.Equal(12, pruner.LayerNames.Count); // 2 layers × (q, k, v, attention.output, intermediate, output)
        pruner.Prune(0.6);
        Assert.All(pruner.LayerSparsity().Values, s => Assert.Equal(0.6, s, 2));
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
            // One student layer of two: it imitates (and starts as) the teacher's last layer.
            Assert.True(s["bert.encoder.layer.0.output.dense.weight"].eq(t["bert.encoder.layer.1.output.dense.weight"]).all().item<bool>());
            Assert.True(s["bert.embeddings.word_embeddings.weight"].eq(t["bert.embeddings.word_embeddings.weight"]).all().item<bool>());
            Assert.Equal(s.Count, copied.Count);
        }
        var (narrow, narrowCopied) = BertCompression.CreateStudent(_model, new DistillationOptions { StudentLayers = 1, StudentHiddenSize = 32 });
        using (narrow)
        {
            Assert.Equal(2, narrow.Config.NumAttentionHeads); // keeps the teacher's head size of 16
            Assert.Equal(128, narrow.Config.IntermediateSize);
            Assert.DoesNotContain("bert.embeddings.word_embeddings.weight", narrowCopied);
        }
        Assert.Equal(2, BertCompression.StudentConfig(_model.Config, new DistillationOptions { StudentLayers = 12 }).NumHiddenLayers);
        Assert.Throws<ArgumentOutOfRangeException>(() => BertCompression.StudentConfig(_model.Config, new DistillationOptions { StudentLayers = 0 }));
    }
}
