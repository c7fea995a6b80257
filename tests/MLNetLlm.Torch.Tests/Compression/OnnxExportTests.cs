using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Compression.Onnx;
using MLNetLlm.Torch.Compression.Quantization;

namespace MLNetLlm.Torch.Tests.Compression;

public sealed class OnnxExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetllm-onnx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The fixture's 4 heads of 16 over a 64-wide encoder.</summary>
    private const int HeadSize = 16;

    private (float[] Logits, long Bytes) Run(QuantizationMode mode, string inputs = "", bool reduceRange = true)
    {
        string path = Path.Combine(_dir, $"{mode}{inputs}{reduceRange}.onnx");
        var options = new QuantizationOptions { Mode = mode, ReduceRange = reduceRange };
        var weights = SafeTensors.Read(Path.Combine(HfFixture.Dir, "model.safetensors"));
        long bytes;
        try { bytes = BertOnnxExporter.Export(weights, HeadSize, options, path); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        using var classifier = OnnxSequenceClassifier.Open(path, threads: 1);
        Assert.Equal(3, classifier.LabelCount);
        var ids = HfFixture.Longs(inputs + "input_ids");
        return (classifier.Logits(ids.SelectMany(r => r).ToArray(), HfFixture.Longs(inputs + "attention_mask").SelectMany(r => r).ToArray(),
            HfFixture.Longs(inputs + "token_type_ids").SelectMany(r => r).ToArray(), ids.Length), bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pair_")]
    public void Float32ExportMatchesHuggingFaceLogits(string inputs)
    {
        var expected = HfFixture.Floats(HfFixture.Reference[inputs + "logits"]!).SelectMany(r => r).ToArray();
        var (actual, _) = Run(QuantizationMode.None, inputs);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"logit {i}: {actual[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData(QuantizationMode.DynamicInt8, true)]
    [InlineData(QuantizationMode.WeightOnlyInt8, true)]
    public void Int8ExportStaysCloseToFloat32AndIsSmaller(QuantizationMode mode, bool reduceRange)
    {
        var (fp32, fp32Bytes) = Run(QuantizationMode.None);
        var (int8, int8Bytes) = Run(mode, reduceRange: reduceRange);
        // The tiny model's logits sit in ±0.05 with per-sentence differences of ~1e-3, so compare on that scale.
        double maxError = fp32.Zip(int8, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxError < 2e-3, $"max |int8 - fp32| = {maxError}");
        Assert.True(maxError > 0, "int8 arithmetic should differ from fp32 somewhere");
        // Same predicted class for every row.
        for (int row = 0; row < fp32.Length / 3; row++)
            Assert.Equal(ArgMax(fp32.AsSpan(row * 3, 3)), ArgMax(int8.AsSpan(row * 3, 3)));
        Assert.True(int8Bytes * 3 < fp32Bytes, $"int8 file {int8Bytes} B vs fp32 {fp32Bytes} B");
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
