using System.Runtime.CompilerServices;

namespace MLNetLlm.Cli.Tests.Support;

/// <summary>
/// In-process runs of <c>train</c> generate projects that reference the clone by relative path, whether or not the
/// clone has an artifacts/feed (scripts/pack.sh): the package mode is tested in a child process with its own feed.
/// </summary>
internal static class NoPackageFeed
{
    [ModuleInitializer]
    internal static void Set() => Environment.SetEnvironmentVariable("MLNETLLM_FEED", "none");
}
