using System.Runtime.InteropServices;

namespace MLNetLlm.Torch.Devices;

/// <summary>
/// How libtorch's CPU tensors get their memory on Linux (glibc), chosen for speed first (docs/benchmarks.md, "Where a
/// MiniLM training step's time and memory go").
/// <para>
/// <b>Huge pages (on by default).</b> libtorch allocates CPU tensors with glibc's malloc; blocks above glibc's mmap
/// threshold (which glibc raises up to 32 MB as large blocks are freed) are fresh memory from the kernel, first touched
/// 4 KB page by page. On a virtual machine a page fault is expensive: a MiniLM training step of 16 × 256 tokens, whose
/// attention scores are 50 MB per tensor, spent most of its time faulting and clearing pages (0.4 rows/s instead of 1.9).
/// libtorch puts CPU tensors of 2 MB or more on 2 MB boundaries and asks the kernel for transparent huge pages for them
/// when <c>THP_MEM_ALLOC_ENABLE=1</c>, a variable it reads once, at its first CPU allocation. <see cref="EnableHugePages"/>
/// sets it in the native environment when this assembly is loaded (before our first tensor) unless the user set it
/// (<c>THP_MEM_ALLOC_ENABLE=0</c> turns it off); it takes effect where the kernel's
/// <c>/sys/kernel/mm/transparent_hugepage/enabled</c> is <c>madvise</c> or <c>always</c>.
/// </para>
/// <para>
/// <b>Low-memory mode (opt-in, <c>MLNETLLM_PIN_MALLOC=1</c>).</b> <see cref="Configure"/> then pins glibc's mmap threshold
/// at 1 MB (glibc stops adjusting it), so every tensor of 1 MB or more goes back to the system when freed and the heap
/// does not grow over the steps: MiniLM's 16 × 128 step peaked at ~1.0 GB instead of ~1.2–1.5 GB, but each large tensor
/// is then a fresh mapping, which made the step 1.7–3.3× slower on the 2-core VM of the benchmarks. Skipped when the user
/// set <c>MALLOC_MMAP_THRESHOLD_</c>.
/// </para>
/// </summary>
internal static class NativeAllocator
{
    const int MmapThreshold = -3; // M_MMAP_THRESHOLD in glibc's malloc.h
    const int ThresholdBytes = 1 << 20;
    static int _configured;

    /// <summary>Whether the threshold was pinned by this process (<c>MLNETLLM_PIN_MALLOC=1</c>).</summary>
    public static bool Pinned { get; private set; }

    public static void Configure()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 1) return;
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("MLNETLLM_PIN_MALLOC") != "1" || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") != null) return;
        try { Pinned = mallopt(MmapThreshold, ThresholdBytes) == 1; }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { }
    }

    /// <summary>Whether this process set <c>THP_MEM_ALLOC_ENABLE=1</c> for libtorch.</summary>
    public static bool HugePagesRequested { get; private set; }

    /// <summary>Sets libtorch's <c>THP_MEM_ALLOC_ENABLE=1</c> in the native environment unless already set (Linux/glibc only).</summary>
    public static void EnableHugePages()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(HugePagesVariable) != null) return;
        try { HugePagesRequested = setenv(HugePagesVariable, "1", 0) == 0; }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { }
    }

    const string HugePagesVariable = "THP_MEM_ALLOC_ENABLE";

#pragma warning disable CA2255 // a module initializer in a library: libtorch reads the variable at its first allocation, which may come from any of our types
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void OnLoad() => EnableHugePages();
#pragma warning restore CA2255

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code; two ints marshal the same either way
    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    static extern int mallopt(int param, int value);

    [DllImport("libc.so.6", EntryPoint = "setenv")]
    static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
#pragma warning restore SYSLIB1054
}
