using MLNetLlm.Torch.Checkpoints;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Checkpoints;

public sealed class SafeTensorsTests : TempDirectoryTest
{

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    public void RoundTripsValuesShapesAndDtypes(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var a = arange(24, dtype: ScalarType.Float32).reshape(2, 3, 4).mul(0.5).to_type(dtype);
        var b = tensor(new float[] { -1.5f, 2.25f }).to_type(dtype);
        string path = PathOf("t.safetensors");
        SafeTensors.Write(path, new Dictionary<string, Tensor> { ["z.b"] = b, ["a"] = a }, new Dictionary<string, string> { ["format"] = "pt" });
        var read = SafeTensors.Read(path, out var meta);
        Assert.Equal("pt", meta["format"]);
        Assert.Equal(["a", "z.b"], read.Keys.Order());
        Assert.Equal(dtype, read["a"].dtype);
        Assert.Equal(new long[] { 2, 3, 4 }, read["a"].shape);
        Assert.True(read["a"].eq(a).all().item<bool>());
        Assert.True(read["z.b"].eq(b).all().item<bool>());
        foreach (var t in read.Values) t.Dispose();
        // Header length is a multiple of 8 and the data follows immediately.
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0UL, BitConverter.ToUInt64(bytes, 0) % 8);
    }

    [Fact]
    public void ReadsTheHuggingFaceFixtureIndex()
    {
        var index = SafeTensors.ReadIndex(Path.Combine(HfFixture.Dir, "model.safetensors"));
        Assert.Contains(index, e => e.Name == "classifier.weight" && e.DType == ScalarType.Float32 && e.Shape.Length == 2);
    }

    [Fact]
    public void TruncatedOrCorruptFilesFailWithTheFileName()
    {
        string path = PathOf("bad.safetensors");
        using (var scope = NewDisposeScope())
            SafeTensors.Write(path, new Dictionary<string, Tensor> { ["w"] = ones(10, 10) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^8]);
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        Assert.Contains("bad.safetensors", ex.Message);
        Assert.Contains("'w'", ex.Message);
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        var garbage = new byte[16];
        BitConverter.GetBytes(8UL).CopyTo(garbage, 0);
        "notjson!"u8.ToArray().CopyTo(garbage, 8);
        File.WriteAllBytes(path, garbage);
        Assert.Contains("JSON", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);
    }
}
