using System.Buffers.Binary;
using System.Text.Json;
using MLNetLlm.Torch.Compression.Onnx;

namespace MLNetLlm.Torch.Tests.Compression;

/// <summary>The HF tiny BERT fixture (2 layers, hidden 64, 4 heads, 3 labels) with its reference logits.</summary>
internal static class TinyBertFixture
{
    public const int HeadSize = 16;

    private static readonly Lazy<string> Directory_ = new(Locate);

    public static string Directory => Directory_.Value;

    private static string Locate()
    {
        string? env = Environment.GetEnvironmentVariable("MLNETLLM_HF_FIXTURE");
        if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "config.json"))) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "fixtures", "hf-tiny-bert");
            if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
        }
        throw new InvalidOperationException("HF tiny BERT fixture not found: set MLNETLLM_HF_FIXTURE or put shared/fixtures/hf-tiny-bert beside the clone.");
    }

    /// <summary>Reads the fixture's model.safetensors (all F32) into name → tensor.</summary>
    public static Dictionary<string, WeightTensor> Weights()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Directory, "model.safetensors"));
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var result = new Dictionary<string, WeightTensor>(StringComparer.Ordinal);
        int dataStart = 8 + (int)headerLength;
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            Assert.Equal("F32", entry.Value.GetProperty("dtype").GetString());
            long[] shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var data = new float[(offsets[1] - offsets[0]) / 4];
            Buffer.BlockCopy(bytes, dataStart + offsets[0], data, 0, offsets[1] - offsets[0]);
            result[entry.Name] = new WeightTensor(data, shape);
        }
        return result;
    }

    public static JsonElement Reference()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "reference.json")));
        return doc.RootElement.Clone();
    }

    public static long[] Flatten(JsonElement rows) =>
        rows.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetInt64())).ToArray();

    public static float[] FlattenFloats(JsonElement rows) =>
        rows.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();
}
