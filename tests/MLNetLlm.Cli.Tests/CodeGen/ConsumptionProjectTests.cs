using System.Diagnostics;
using System.Reflection;
using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.CodeGen;

/// <summary>The generated consumption project builds against this repository and predicts like the tool does.</summary>
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
    public void Generated_project_builds_and_predicts()
    {
        var project = Directory.GetFiles(models.BinaryOutput, "*.ConsoleApp.csproj", SearchOption.AllDirectories).Single();
        string dir = Path.GetDirectoryName(project)!;
        Assert.True(File.Exists(Path.Combine(dir, "Program.cs")));
        Assert.Single(Directory.GetFiles(dir, "*.Training.cs"));
        string csproj = File.ReadAllText(project);
        Assert.Contains("<ProjectReference", csproj); // the tests run from a clone, so the repository is referenced

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
        Assert.Matches(@"Predicted: (spam|ham) \(probability 0\.\d+\)", example.Output);
    }
}
