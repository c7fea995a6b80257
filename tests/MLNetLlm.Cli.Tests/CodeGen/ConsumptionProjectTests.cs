using System.Diagnostics;
using System.Reflection;
using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.CodeGen;

/// <summary>
/// The generated consumption project holds no absolute path, builds (by relative project reference into this clone,
/// or from the packages scripts/pack.sh makes, wherever the output folder is moved) and predicts like the tool does;
/// its example is a real evaluation row the model predicts correctly.
/// </summary>
[Collection(TrainedModelsCollection.Name)]
public sealed class ConsumptionProjectTests(TrainedModels models)
{
    static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(entireProcessTree: true); Assert.Fail($"{file} {string.Join(' ', args)} did not finish"); }
        return (p.ExitCode, output + err.Result);
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void GeneratedProjectBuildsAndPredicts()
    {
        var project = Directory.GetFiles(models.BinaryOutput, "*.ConsoleApp.csproj", SearchOption.AllDirectories).Single();
        string dir = Path.GetDirectoryName(project)!;
        Assert.True(File.Exists(Path.Combine(dir, "Program.cs")));
        Assert.Single(Directory.GetFiles(dir, "*.Training.cs"));
        string csproj = File.ReadAllText(project);
        Assert.Contains("<ProjectReference Include=\"../", csproj); // the tests run from a clone: referenced by relative path
        AssertNoAbsolutePaths(dir);

        // The libraries were built with the tests (same configuration): build only the generated project.
        string configuration = typeof(ConsumptionProjectTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var build = Run("dotnet", "build", project, "-c", configuration, "-p:BuildProjectReferences=false", "-nologo", "-v", "q");
        Assert.True(build.Code == 0, build.Output);

        string dll = Path.Combine(dir, "bin", configuration, "net10.0", Path.GetFileNameWithoutExtension(project) + ".dll");
        var spam = Run("dotnet", dll, "free cash prize winner click offer");
        Assert.True(spam.Code == 0, spam.Output);
        Assert.Contains("Predicted: spam", spam.Output);
        var ham = Run("dotnet", dll, "meeting agenda review project draft notes");
        Assert.Contains("Predicted: ham", ham.Output);
        var example = Run("dotnet", dll); // no arguments: the example row from the test data
        Assert.True(example.Code == 0, example.Output);
        AssertExampleIsRight(example.Output);
    }

    /// <summary>The example is printed with its label, and the prediction equals it.</summary>
    static void AssertExampleIsRight(string output)
    {
        var m = System.Text.RegularExpressions.Regex.Match(output, @"Predicted: (\w+) \(probability 0\.\d+\)\s+\(the example is a row of the evaluation data; its label: (\w+)\)");
        Assert.True(m.Success, output);
        Assert.Equal(m.Groups[2].Value, m.Groups[1].Value);
    }

    static void AssertNoAbsolutePaths(string dir)
    {
        foreach (var file in Directory.GetFiles(dir, "*", SearchOption.TopDirectoryOnly))
        {
            string text = File.ReadAllText(file);
            Assert.False(System.Text.RegularExpressions.Regex.IsMatch(text, @"(Include|Project|value)=""/"), $"{Path.GetFileName(file)} has an absolute path:\n{text}");
            // The temp folder as a rooted path (a relative "../../tmp.x/src" into a clone under /tmp is fine).
            string rooted = @"(?<![\w.~/-])" + System.Text.RegularExpressions.Regex.Escape(Path.GetTempPath().TrimEnd('/'));
            Assert.False(System.Text.RegularExpressions.Regex.IsMatch(text, rooted), $"{Path.GetFileName(file)} names the temp folder by a rooted path:\n{text}");
            Assert.DoesNotContain(dir, text);
        }
    }

    /// <summary>
    /// With a feed from scripts/pack.sh the project references packages, which are copied into the output folder: the
    /// folder moved elsewhere still restores, builds and predicts.
    /// </summary>
    [Fact]
    public void GeneratedProjectWithPackagesBuildsAfterTheOutputFolderMoves()
    {
        using var tmp = new TempFolder();
        string configuration = typeof(ConsumptionProjectTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        string repo = RepoRoot();
        string feed = tmp.File("feed");
        var pack = Run("bash", "-c", $"cd '{repo}' && CONFIGURATION={configuration} bash scripts/pack.sh '{feed}' --no-build");
        Assert.True(pack.Code == 0, pack.Output);

        string output = tmp.File("spam");
        using (var train = new ToolChild(new Dictionary<string, string?> { ["MLNETLLM_FEED"] = feed },
                   "train", "--dataset", models.BinaryTrain, "--test-dataset", models.BinaryTest, "--positive-label", "spam", "--output", output))
            Assert.True(train.WaitForExit(TimeSpan.FromMinutes(3)) == 0, train.Err);
        string moved = tmp.File("elsewhere/deeper/spam");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        Directory.Move(output, moved);
        Directory.Delete(feed, recursive: true); // the output folder carries what it needs

        var project = Directory.GetFiles(moved, "*.ConsoleApp.csproj", SearchOption.AllDirectories).Single();
        string dir = Path.GetDirectoryName(project)!;
        string csproj = File.ReadAllText(project);
        Assert.Contains("<PackageReference Include=\"MLNetLlm.Core\"", csproj);
        Assert.DoesNotContain("<ProjectReference", csproj);
        Assert.True(File.Exists(Path.Combine(moved, "packages", "MLNetLlm.Core.0.1.0.nupkg")));
        AssertNoAbsolutePaths(dir);

        var build = Run("dotnet", "build", project, "-c", "Release", "-nologo", "-v", "q");
        Assert.True(build.Code == 0, build.Output);
        string dll = Path.Combine(dir, "bin", "Release", "net10.0", Path.GetFileNameWithoutExtension(project) + ".dll");
        var spam = Run("dotnet", dll, "free cash prize winner click offer");
        Assert.Contains("Predicted: spam", spam.Output);
        AssertExampleIsRight(Run("dotnet", dll).Output);
    }

    static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "scripts", "pack.sh"))) return d.FullName;
        throw new InvalidOperationException("scripts/pack.sh not found above the tests.");
    }
}
