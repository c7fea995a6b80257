using System.Runtime.InteropServices;
using MLNetLlm.Torch.Devices;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Devices;

/// <summary>
/// Loading MLNetLlm.Torch sets libtorch's <c>THP_MEM_ALLOC_ENABLE=1</c> before the first tensor (unless the user set
/// it), and libtorch then allocates CPU tensors of 2 MB or more page-aligned and asks the kernel to back them with huge pages.
/// </summary>
public sealed class HugePagesTests
{
    [DllImport("libc.so.6", EntryPoint = "getenv")]
    static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("LibTorchSharp", EntryPoint = "THSTensor_data")]
    static extern IntPtr TensorData(IntPtr tensor);

    static long Address(Tensor t) => TensorData(t.Handle).ToInt64();

    static string? NativeVariable(string name) => getenv(name) is var p && p != IntPtr.Zero ? Marshal.PtrToStringUTF8(p) : null;

    [Fact]
    public void LoadingTheLibrarySetsTheVariableInTheNativeEnvironment()
    {
        if (!OperatingSystem.IsLinux()) return;
        NativeAllocator.EnableHugePages(); // idempotent: the module initializer already ran
        string? user = Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE");
        // the user's own setting wins; otherwise libtorch sees 1
        Assert.Equal(user ?? "1", NativeVariable("THP_MEM_ALLOC_ENABLE"));
        Assert.Equal(user is null, NativeAllocator.HugePagesRequested);
    }

    [Fact]
    public void LibtorchAllocatesLargeTensorsPageAlignedForHugePages()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") == "0") return;
        const long page = 4096;
        // without the variable libtorch asks glibc for 64-byte alignment, and a large block comes from mmap 16 bytes past a
        // page boundary; with it, the block is page-aligned (libtorch's THP path) and madvise(MADV_HUGEPAGE)d
        for (int i = 0; i < 3; i++)
        {
            using var large = empty(3 << 20, dtype: ScalarType.Float32); // 12 MB
            Assert.Equal(0, Address(large) % page);
        }
        using var small = empty(1024, dtype: ScalarType.Float32); // 4 KB: below libtorch's 2 MB threshold, any alignment
        Assert.Equal(0, Address(small) % 64);
    }

    [Fact]
    public void TheMmapThresholdIsLeftToGlibcUnlessLowMemoryModeIsAskedFor()
    {
        NativeAllocator.Configure(); // what the first BERT built does
        Assert.Equal(OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MLNETLLM_PIN_MALLOC") == "1"
            && Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null, NativeAllocator.Pinned);
    }
}
