using System.Text.Json;

namespace MLNetLlm.AutoML.Torch.Tests.Packaging;

/// <summary>
/// MLNetLlm.AutoML must not pull TorchSharp or libtorch (~600 MB) into a project that only tunes SDCA/LightGBM: read from
/// the restore graphs (obj/project.assets.json: every package and project in the transitive closure, which is what
/// the package's dependencies are made from). This project references both projects, so building it restores both
/// graphs. The packed package itself is checked by the slow <c>Cli.Tests/Packaging</c> tests (a consumer of the
/// packed MLNetLlm.AutoML restores no TorchSharp).
/// </summary>
public sealed class DependencyClosureTests
{
    [Fact]
    public void AutoMLsClosureHasNoTorchSharpLibTorchOrMLNetLlmTorch()
    {
        var closure = Closure("MLNetLlm.AutoML");
        Assert.Contains("Microsoft.ML", closure); // the graph was read: ML.NET and our own libraries are in it
        Assert.Contains("MLNetLlm.Data", closure);
        Assert.Contains("MLNetLlm.Core", closure);
        Assert.DoesNotContain(closure, IsTorch);
    }

    [Fact]
    public void TheCheckSeesTorchSharpAndLibTorchInTheBridgesClosure()
    {
        // the same reading of a graph that does carry them: the check above can fail
        var torch = Closure("MLNetLlm.AutoML.Torch").Where(IsTorch).ToArray();
        Assert.Contains("MLNetLlm.Torch", torch);
        Assert.Contains(torch, n => n.Equals("TorchSharp", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(torch, n => n.StartsWith("libtorch-", StringComparison.OrdinalIgnoreCase));
    }

    static bool IsTorch(string name) =>
        name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase) || name.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase)
        || name.Equals("MLNetLlm.Torch", StringComparison.OrdinalIgnoreCase);

    /// <summary>The names of every library (package or project) in the project's restore graph.</summary>
    static HashSet<string> Closure(string project)
    {
        string assets = Path.Combine(RepoRoot(), "src", project, "obj", "project.assets.json");
        if (!File.Exists(assets)) throw new FileNotFoundException($"{assets} is missing: restore src/{project} first.", assets);
        using var json = JsonDocument.Parse(File.ReadAllText(assets));
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var library in json.RootElement.GetProperty("libraries").EnumerateObject())
            names.Add(library.Name[..library.Name.IndexOf('/')]);
        // every library a target uses is listed in "libraries"; check that this holds, so a format change cannot hide one
        foreach (var target in json.RootElement.GetProperty("targets").EnumerateObject())
            foreach (var library in target.Value.EnumerateObject())
                Assert.Contains(library.Name[..library.Name.IndexOf('/')], names);
        return names;
    }

    static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MLNetLlm.sln"))) return d.FullName;
        throw new DirectoryNotFoundException($"MLNetLlm.sln not found above {AppContext.BaseDirectory}.");
    }
}
