using MLNetLlm.Build;
using MLNetLlm.Torch.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Native;

public sealed class TorchSharpLoadTests
{
    [Fact]
    public void TensorOpAndBackwardRun()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        var w = tensor(new float[,] { { 1, 0, 2 }, { 0, 3, 1 } });
        var y = matmul(w, x);                        // [2]: (7, 9)
        Assert.Equal(new float[] { 7, 9 }, y.data<float>().ToArray());
        var loss = y.pow(2).sum();                   // 49 + 81
        loss.backward();
        // d/dx sum((Wx)^2) = 2 W^T (Wx) = 2 * (7, 27, 14 + 9) = (14, 54, 46)
        Assert.Equal(new float[] { 14, 54, 46 }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void OutputCopyOfLibTorchSharpIsPatchedExactlyWhenTheSystemNeedsIt()
    {
        string lib = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!OperatingSystem.IsLinux()) return; // the patch is Linux-only by design
        Assert.True(File.Exists(lib), $"expected TorchSharp's native library at {lib}");
        var entry = ElfVersionNeeds.Read(File.ReadAllBytes(lib)).Single(e => e.Version == "GLIBCXX_3.4.32");
        string? system = ElfVersionNeeds.FindSystemLibStdCxx();
        Assert.NotNull(system);
        bool systemHas = ElfVersionNeeds.DefinesVersion(system!, "GLIBCXX_3.4.32");
        Assert.Equal(!systemHas, entry.IsWeak);

        // The NuGet cache copy is never modified (the build writes a new file instead of editing through a hard link).
        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Directory.Exists(Path.Combine(home, "torchsharp"))
            ? Directory.GetFiles(Path.Combine(home, "torchsharp"), "libLibTorchSharp.so", SearchOption.AllDirectories) : [];
        foreach (var c in cached.Where(c => c.Contains("linux-x64")))
            Assert.False(ElfVersionNeeds.Read(File.ReadAllBytes(c)).Single(e => e.Version == "GLIBCXX_3.4.32").IsWeak, c);
    }

    [Fact]
    public void MakeWeakSetsOnlyTheNamedVersionAndIsIdempotent()
    {
        string lib = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(lib)) return;
        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string original = Directory.GetFiles(Path.Combine(home, "torchsharp"), "libLibTorchSharp.so", SearchOption.AllDirectories)
            .First(p => p.Contains("linux-x64"));
        byte[] bytes = File.ReadAllBytes(original);
        var before = ElfVersionNeeds.Read(bytes);
        Assert.Equal(1, ElfVersionNeeds.MakeWeak(bytes, ["GLIBCXX_3.4.32"]));
        Assert.Equal(0, ElfVersionNeeds.MakeWeak(bytes, ["GLIBCXX_3.4.32"]));
        var after = ElfVersionNeeds.Read(bytes);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
            Assert.Equal(before[i].Version == "GLIBCXX_3.4.32" ? before[i].Flags | ElfVersionNeeds.VerFlgWeak : before[i].Flags, after[i].Flags);
    }

    [Fact]
    public void DeviceChoiceIsExplicit()
    {
        Assert.Equal(DeviceType.CPU, TorchDevice.Resolve("cpu").type);
        Assert.Equal(TorchDevice.CudaAvailable() ? DeviceType.CUDA : DeviceType.CPU, TorchDevice.Resolve("auto").type);
        var bad = Assert.Throws<ArgumentException>(() => TorchDevice.Resolve("tpu"));
        Assert.Contains("tpu", bad.Message);
        if (!TorchDevice.CudaAvailable())
            Assert.Contains("CUDA is not available", Assert.Throws<InvalidOperationException>(() => TorchDevice.Resolve("cuda")).Message);
    }
}
