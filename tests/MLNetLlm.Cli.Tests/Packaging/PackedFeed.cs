using System.Diagnostics;

namespace MLNetLlm.Cli.Tests.Packaging;

/// <summary>
/// scripts/pack.sh run once into a temporary feed, at a version of its own (0.1.0-test…) so NuGet's cache cannot hand
/// a test an older package of the same version; those cache entries are deleted on dispose.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public PackedFeed()
    {
        Root = Directory.CreateTempSubdirectory("mlnetllm-pack-test-").FullName;
        Feed = Path.Combine(Root, "feed");
        var pack = Run(RepoRoot, TimeSpan.FromMinutes(40), "bash", "scripts/pack.sh", Feed, $"-p:Version={Version}");
        PackOutput = pack.Output;
        if (pack.Code != 0) throw new InvalidOperationException($"scripts/pack.sh failed ({pack.Code}):\n{pack.Output}");
    }

    public string Version { get; } = $"0.1.0-test{DateTime.UtcNow:yyyyMMddHHmmss}";

    public string Root { get; }

    public string Feed { get; }

    public string PackOutput { get; }

    public string Package(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public static string RepoRoot { get; } = FindRepoRoot();

    static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "scripts", "pack.sh"))) return d.FullName;
        throw new DirectoryNotFoundException("scripts/pack.sh not found above the tests.");
    }

    /// <summary>Runs a command to its end; exit code and stdout + stderr.</summary>
    public static (int Code, string Output) Run(string workingDirectory, TimeSpan timeout, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeout)) { p.Kill(entireProcessTree: true); Assert.Fail($"{file} {string.Join(' ', args)} did not finish in {timeout}"); }
        p.WaitForExit();
        return (p.ExitCode, output.Result + err.Result);
    }

    public void Dispose()
    {
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (Directory.Exists(cache))
            foreach (var id in Directory.GetDirectories(cache, "mlnetllm.*"))
            {
                string version = Path.Combine(id, Version.ToLowerInvariant());
                if (Directory.Exists(version)) Directory.Delete(version, recursive: true);
            }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
