using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Compression.Onnx;
using MLNetLlm.Torch.Compression.Quantization;

namespace MLNetLlm.Torch.Tests.Compression;

public sealed class OnnxExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetllm-onnx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int HeadSize => HfFixture.Config.HeadSize;
    private static int Labels => HfFixture.Config.NumLabels;

    private (float[] Logits, long Bytes) Run(QuantizationMode mode, string inputs = "", bool contrib = true)
    {
        string path = Path.Combine(_dir, $"{mode}{inputs}{contrib}.onnx");
        var options = new QuantizationOptions { Mode = mode, UseContribOperators = contrib };
        var weights = SafeTensors.Read(Path.Combine(HfFixture.Dir, "model.safetensors"));
        long bytes;
        try { bytes = BertOnnxExporter.Export(weights, HeadSize, options, path); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        using var classifier = OnnxSequenceClassifier.Open(path, threads: 1);
        Assert.Equal(Labels, classifier.LabelCount);
        var ids = HfFixture.Longs(inputs + "input_ids");
        return (classifier.Logits(ids.SelectMany(r => r).ToArray(), HfFixture.Longs(inputs + "attention_mask").SelectMany(r => r).ToArray(),
            HfFixture.Longs(inputs + "token_type_ids").SelectMany(r => r).ToArray(), ids.Length), bytes);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("pair_", true)]
    [InlineData("", false)]
    [InlineData("pair_", false)]
    public void Float32ExportMatchesHuggingFaceLogits(string inputs, bool contrib)
    {
        var expected = HfFixture.Floats(HfFixture.Reference[inputs + "logits"]!).SelectMany(r => r).ToArray();
        var (actual, _) = Run(QuantizationMode.None, inputs, contrib: contrib);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"logit {i}: {actual[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData(QuantizationMode.DynamicInt8, true)]
    [InlineData(QuantizationMode.WeightOnlyInt8, true)]
    [InlineData(QuantizationMode.DynamicInt8, false)]
    [InlineData(QuantizationMode.WeightOnlyInt8, false)]
    public void Int8ExportStaysCloseToFloat32AndIsSmaller(QuantizationMode mode, bool contrib)
    {
        var (fp32, fp32Bytes) = Run(QuantizationMode.None, contrib: contrib);
        var (int8, int8Bytes) = Run(mode, contrib: contrib);
        // The tiny fixture's logits sit in ±0.05 with per-sentence differences of ~1e-3 (2e-3 absolute there); on a
        // checkpoint with larger logits int8 error grows with their range.
        double tolerance = BertCompressionTests.Int8Tolerance(fp32);
        double maxError = fp32.Zip(int8, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxError < tolerance, $"max |int8 - fp32| = {maxError} (allowed {tolerance})");
        Assert.True(maxError > 0, "int8 arithmetic should differ from fp32 somewhere");
        // Same predicted class for every row whose top two fp32 logits are further apart than the int8 error can move them.
        for (int row = 0; row < fp32.Length / Labels; row++)
        {
            var f = fp32.AsSpan(row * Labels, Labels);
            var sorted = f.ToArray().OrderDescending().ToArray();
            if (sorted.Length > 1 && sorted[0] - sorted[1] <= 2 * maxError) continue;
            Assert.Equal(ArgMax(f), ArgMax(int8.AsSpan(row * Labels, Labels)));
        }
        Assert.True(int8Bytes * 3 < fp32Bytes, $"int8 file {int8Bytes} B vs fp32 {fp32Bytes} B");
    }

    [Theory]
    [InlineData(QuantizationMode.DynamicInt8, "")]
    [InlineData(QuantizationMode.DynamicInt8, "pair_")]
    [InlineData(QuantizationMode.WeightOnlyInt8, "")]
    public void FusedInt8GraphComputesWhatTheStandardGraphComputes(QuantizationMode mode, string inputs)
    {
        // Same int8 weights and the same per-call activation quantization, so only float rounding order differs
        // (packed Q/K/V GEMM, fused bias/GELU/LayerNorm): far below the int8-vs-fp32 error.
        var (standard, _) = Run(mode, inputs, contrib: false);
        var (fused, _) = Run(mode, inputs, contrib: true);
        double maxError = standard.Zip(fused, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxError < 1e-4, $"max |fused - standard| = {maxError}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnlyTheFusedFormUsesOnnxRuntimeContribOperators(bool contrib)
    {
        string path = Path.Combine(_dir, $"domain{contrib}.onnx");
        var weights = SafeTensors.Read(Path.Combine(HfFixture.Dir, "model.safetensors"));
        try { BertOnnxExporter.Export(weights, HeadSize, new QuantizationOptions { Mode = QuantizationMode.DynamicInt8, UseContribOperators = contrib }, path); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        string text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path));
        Assert.Equal(contrib, text.Contains("com.microsoft", StringComparison.Ordinal));
        Assert.Equal(contrib, text.Contains("QAttention", StringComparison.Ordinal));
        Assert.Equal(!contrib, text.Contains("MatMulInteger", StringComparison.Ordinal));
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
