using System.Runtime.InteropServices;

namespace MLNetLlm.Torch.Devices;

/// <summary>
/// Keeps freed tensor memory from piling up in the C heap on Linux. libtorch allocates CPU tensors with glibc's malloc;
/// glibc serves blocks of at least its mmap threshold with mmap and returns them to the system on free, but it raises
/// that threshold to the size of every mmapped block freed (up to 32 MB), so after the first training step the
/// multi-megabyte activations of a BERT come from the heap, which fragments and keeps growing. Pinning the threshold
/// at 1 MB (glibc then stops adjusting it) makes every tensor of 1 MB or more go back to the system when it is freed:
/// MiniLM's 16 × 128 training step peaks at about 1 GB instead of 1.4 GB (docs/benchmarks.md). Applied once per
/// process, by the first BERT model built; skipped when the user set <c>MALLOC_MMAP_THRESHOLD_</c> or
/// <c>MLNETLLM_KEEP_MALLOC=1</c>, and on other C libraries.
/// </summary>
internal static class NativeAllocator
{
    const int MmapThreshold = -3; // M_MMAP_THRESHOLD in glibc's malloc.h
    const int ThresholdBytes = 1 << 20;
    static int _configured;

    /// <summary>Whether the threshold was pinned by this process.</summary>
    public static bool Pinned { get; private set; }

    public static void Configure()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 1) return;
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") != null || Environment.GetEnvironmentVariable("MLNETLLM_KEEP_MALLOC") == "1") return;
        try { Pinned = mallopt(MmapThreshold, ThresholdBytes) == 1; }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { }
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code; two ints marshal the same either way
    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    static extern int mallopt(int param, int value);
#pragma warning restore SYSLIB1054
}
