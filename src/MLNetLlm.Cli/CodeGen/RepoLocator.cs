namespace MLNetLlm.Cli.CodeGen;

/// <summary>Finds the MLNetLlm source tree the tool runs from (a clone), so generated projects can reference it.</summary>
internal static class RepoLocator
{
    /// <summary>The repository root above <paramref name="start"/> (default: the tool's folder), or null when the tool is installed from a package.</summary>
    public static string? Find(string? start = null)
    {
        var env = Environment.GetEnvironmentVariable("MLNETLLM_REPO");
        if (!string.IsNullOrEmpty(env)) return IsRepo(env) ? Path.GetFullPath(env) : null;
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (IsRepo(dir.FullName)) return dir.FullName;
        return null;
    }

    static bool IsRepo(string dir) =>
        File.Exists(Path.Combine(dir, "MLNetLlm.sln")) && File.Exists(Path.Combine(dir, "src", "MLNetLlm.Core", "MLNetLlm.Core.csproj"));
}
