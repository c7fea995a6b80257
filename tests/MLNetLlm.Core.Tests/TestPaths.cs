namespace MLNetLlm.Core.Tests;

internal static class TestPaths
{
    /// <summary>The repository root: the first ancestor of the test binary that holds MLNetLlm.sln.</summary>
    public static string RepoRoot { get; } = Find();

    static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MLNetLlm.sln"))) return d.FullName;
        throw new InvalidOperationException($"MLNetLlm.sln not found above {AppContext.BaseDirectory}");
    }
}
