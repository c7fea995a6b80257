using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Benchmarks.Torch.Compression;
using MLNetLlm.Torch.Compression.Onnx;
using MLNetLlm.Torch.Compression.Quantization;

namespace MLNetLlm.Benchmarks.Tests.Torch.Compression;

public sealed class OnnxProfileSummaryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetllm-profile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ProfileOfTheFusedInt8ModelCountsOneQAttentionPerLayerPerRun()
    {
        string path = Path.Combine(_dir, "int8.onnx");
        var weights = SafeTensors.Read(Path.Combine(HfFixture.Dir, "model.safetensors"));
        try { BertOnnxExporter.Export(weights, HfFixture.Config.HeadSize, new QuantizationOptions { Mode = QuantizationMode.DynamicInt8 }, path); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        string optimized = Path.Combine(_dir, "int8.optimized.onnx");
        string trace;
        using (var session = OnnxSequenceClassifier.Open(path, 1, Path.Combine(_dir, "trace"), optimized))
        {
            var ids = HfFixture.Longs("input_ids");
            var mask = HfFixture.Longs("attention_mask");
            for (int run = 0; run < 3; run++)
                session.Logits(ids.SelectMany(r => r).ToArray(), mask.SelectMany(r => r).ToArray(), null, ids.Length);
            trace = session.EndProfiling();
        }
        Assert.True(File.Exists(optimized), "the optimized graph is written");
        Assert.Equal(_dir, Path.GetDirectoryName(Path.GetFullPath(trace)));
        Assert.StartsWith("trace", Path.GetFileName(trace), StringComparison.Ordinal);
        var (ops, runMs) = OnnxProfileSummary.Summarize(trace, 1, 2);
        // One QAttention (with its input quantization) per layer, and three other int8 Linear layers per layer
        // (attention output, FFN in, FFN out) plus pooler and classifier.
        int layers = HfFixture.Config.NumHiddenLayers;
        Assert.Equal(layers, ops.Single(o => o.Op == "QAttention").NodesPerRun);
        Assert.Equal(layers, ops.Single(o => o.Op == "DynamicQuantizeLinear").NodesPerRun);
        Assert.True(ops.Single(o => o.Op == "DynamicQuantizeMatMul").NodesPerRun >= 3 * layers);
        AssertClose.Equal(1.0, ops.Sum(o => o.Share), abs: 1e-6);
        Assert.True(runMs > 0 && ops.Sum(o => o.MillisecondsPerRun) <= runMs * 1.01, $"kernels {ops.Sum(o => o.MillisecondsPerRun)} ms vs run {runMs} ms");
        Assert.Contains($"| QAttention | {layers} |", OnnxProfileSummary.ToMarkdown("batch 6", ops, runMs));
        Assert.Throws<ArgumentException>(() => OnnxProfileSummary.Summarize(trace, 0, 3));
    }
}
