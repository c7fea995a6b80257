using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Compression.Onnx;
using MLNetLlm.Torch.Compression.Quantization;

namespace MLNetLlm.Torch.Tests.Compression;

public sealed class ApplyOnnxModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetllm-apply-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Tokens
    {
        public long[] input_ids { get; set; } = [];
        public long[] attention_mask { get; set; } = [];
        public long[] token_type_ids { get; set; } = [];
    }

    [Theory]
    [InlineData(QuantizationMode.None, 1e-5, true)]
    [InlineData(QuantizationMode.DynamicInt8, 2e-3, true)]
    [InlineData(QuantizationMode.DynamicInt8, 2e-3, false)]
    public void ExportedModelRunsInAPlainMLNetPipelineWithApplyOnnxModel(QuantizationMode mode, double tolerance, bool contrib)
    {
        string path = Path.Combine(_dir, $"{mode}{contrib}.onnx");
        var weights = SafeTensors.Read(Path.Combine(HfFixture.Dir, "model.safetensors"));
        try { BertOnnxExporter.Export(weights, HfFixture.Config.HeadSize, new QuantizationOptions { Mode = mode, UseContribOperators = contrib }, path); }
        finally { foreach (var t in weights.Values) t.Dispose(); }

        var ml = new MLContext(seed: 1);
        var ids = HfFixture.Longs("input_ids");
        var mask = HfFixture.Longs("attention_mask");
        var types = HfFixture.Longs("token_type_ids");
        var rows = Enumerable.Range(0, ids.Length).Select(i => new Tokens { input_ids = ids[i], attention_mask = mask[i], token_type_ids = types[i] });
        // The reference's padded length, known only at run time: a schema with fixed-size vectors of that length.
        int length = HfFixture.MaxLength;
        var schema = SchemaDefinition.Create(typeof(Tokens));
        foreach (var column in schema) column.ColumnType = new VectorDataViewType(NumberDataViewType.Int64, length);
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        var shapes = new Dictionary<string, int[]> { ["input_ids"] = [1, length], ["attention_mask"] = [1, length], ["token_type_ids"] = [1, length] };
        var pipeline = ml.Transforms.ApplyOnnxModel(["logits", "probabilities"], ["input_ids", "attention_mask", "token_type_ids"], path, shapes, gpuDeviceId: null, fallbackToCpu: false);
        var scored = pipeline.Fit(data).Transform(data);
        var logits = scored.GetColumn<float[]>("logits").ToArray();
        var probabilities = scored.GetColumn<float[]>("probabilities").ToArray();
        var expected = HfFixture.Floats(HfFixture.Reference["logits"]!);
        Assert.Equal(expected.Length, logits.Length);
        if (mode != QuantizationMode.None) tolerance = Math.Max(tolerance, BertCompressionTests.Int8Tolerance(expected.SelectMany(r => r).ToArray()));
        for (int r = 0; r < expected.Length; r++)
        {
            for (int k = 0; k < HfFixture.Config.NumLabels; k++) Assert.True(Math.Abs(expected[r][k] - logits[r][k]) < tolerance, $"row {r} logit {k}: {logits[r][k]} vs {expected[r][k]}");
            AssertClose.Equal(1.0, probabilities[r].Sum(), abs: 1e-5);
        }
    }
}
