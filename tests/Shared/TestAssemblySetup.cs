using System.Reflection;
using System.Runtime.CompilerServices;

namespace MLNetLlm.Tests;

/// <summary>
/// Runs once per test assembly, before any test: pins libtorch to <c>MLNETLLM_TEST_THREADS</c> intra-op threads
/// (default 1) and one inter-op thread in assemblies that load TorchSharp. libtorch's OpenMP workers spin while they
/// wait, so on a shared two-core machine the default (one per core) makes every other process, and the test's own
/// managed threads, fight them; the tests' models are tiny, so one thread loses little. Assemblies without TorchSharp
/// skip this. (The per-test hang timeout lives outside the process: VSTest's blame-hang, set in Directory.Build.props.)
/// </summary>
internal static class TestAssemblySetup
{
#pragma warning disable CA2255 // a module initializer is the one hook xunit 2 offers that runs once per test assembly
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void PinTorchThreads()
    {
        if (!AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "TorchSharp")
            && !File.Exists(Path.Combine(AppContext.BaseDirectory, "TorchSharp.dll")))
            return;
        // an application touches MLNetLlm.Torch before its first tensor; so do the tests (its module initializer sets
        // libtorch's THP_MEM_ALLOC_ENABLE, which libtorch reads at its first allocation)
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, "MLNetLlm.Torch.dll")))
            RuntimeHelpers.RunModuleConstructor(Assembly.Load(new AssemblyName("MLNetLlm.Torch")).ManifestModule.ModuleHandle);
        int threads = int.TryParse(Environment.GetEnvironmentVariable("MLNETLLM_TEST_THREADS"), out var n) && n > 0 ? n : 1;
        var torch = Type.GetType("TorchSharp.torch, TorchSharp", throwOnError: false);
        if (torch is null) return;
        Invoke(torch, "set_num_threads", threads);
        Invoke(torch, "set_num_interop_threads", 1);
    }

    static void Invoke(Type torch, string name, int value)
    {
        try { torch.GetMethod(name, BindingFlags.Public | BindingFlags.Static, [typeof(int)])?.Invoke(null, [value]); }
        catch (TargetInvocationException) { } // interop threads can only be set before libtorch's first parallel work
    }
}
