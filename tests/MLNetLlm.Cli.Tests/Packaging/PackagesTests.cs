using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace MLNetLlm.Cli.Tests.Packaging;

/// <summary>
/// The packages scripts/pack.sh makes are what a user installs: the tool installs from the local feed into a tool path
/// and runs; a throwaway console project restores the libraries from the feed (and its dependencies from the usual
/// sources) and fits a pipeline; MLNetLlm.AutoML's restored closure has no TorchSharp or libtorch.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class PackagesTests(PackedFeed feed) : IClassFixture<PackedFeed>
{
    static readonly string[] Libraries = ["MLNetLlm.Core", "MLNetLlm.Data", "MLNetLlm.Torch", "MLNetLlm.AutoML", "MLNetLlm.AutoML.Torch", "MLNetLlm.Chinese"];

    [Fact]
    public void EveryLibraryPackageHasReadmeLicenceDescriptionXmlDocsAndNoLocalPaths()
    {
        foreach (var id in Libraries)
        {
            using var zip = ZipFile.OpenRead(feed.Package(id));
            var nuspec = Nuspec(zip);
            XNamespace ns = nuspec.Root!.Name.Namespace;
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            Assert.Equal("MIT", metadata.Element(ns + "license")?.Value);
            Assert.Equal("expression", metadata.Element(ns + "license")?.Attribute("type")?.Value);
            Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
            Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value), $"{id} has no description");
            Assert.NotNull(zip.GetEntry("README.md"));
            Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.dll"));
            Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.xml"));
            // ContinuousIntegrationBuild: source paths are mapped to /_/, so the clone's location is not in the assembly
            using var dll = new MemoryStream();
            using (var s = zip.GetEntry($"lib/net10.0/{id}.dll")!.Open()) s.CopyTo(dll);
            string bytes = Encoding.UTF8.GetString(dll.ToArray());
            Assert.DoesNotContain(PackedFeed.RepoRoot, bytes);
        }
    }

    [Fact]
    public void AutoMLPackageDependsOnNoTorchSharpAndTheBridgeBringsIt()
    {
        var automl = Dependencies(feed.Package("MLNetLlm.AutoML"));
        Assert.Contains("MLNetLlm.Data", automl);
        Assert.DoesNotContain(automl, IsTorch);
        var bridge = Dependencies(feed.Package("MLNetLlm.AutoML.Torch"));
        Assert.Contains("MLNetLlm.AutoML", bridge);
        Assert.Contains("MLNetLlm.Torch", bridge);
    }

    [Fact]
    public void ToolInstallsFromTheFeedIntoAToolPathAndPrintsHelp()
    {
        using (var zip = ZipFile.OpenRead(feed.Package("MLNetLlm.Cli")))
        {
            Assert.Contains("DotnetTool", Nuspec(zip).ToString());
            // the tool carries TorchSharp's managed code but not libtorch's natives (hundreds of MB)
            Assert.Contains(zip.Entries, e => e.Name == "TorchSharp.dll");
            Assert.DoesNotContain(zip.Entries, e => e.Name.StartsWith("libtorch_cpu", StringComparison.Ordinal));
        }
        string tools = Path.Combine(feed.Root, "tools");
        var install = PackedFeed.Run(feed.Root, TimeSpan.FromMinutes(10), "dotnet", "tool", "install", "MLNetLlm.Cli",
            "--version", feed.Version, "--add-source", feed.Feed, "--tool-path", tools);
        Assert.True(install.Code == 0, install.Output);
        var help = PackedFeed.Run(feed.Root, TimeSpan.FromMinutes(2), Path.Combine(tools, "mlnet-llm"), "--help");
        Assert.True(help.Code == 0, help.Output);
        Assert.Contains("train", help.Output);
        Assert.Contains("bench", help.Output);
    }

    [Fact]
    public void ConsoleProjectRestoresTheLibrariesFromTheFeedAndFitsAPipeline()
    {
        string dir = Path.Combine(feed.Root, "consumer");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="MLNetLlm.AutoML" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        // the feed first, then the sources the repository restores from (for ML.NET and the rest)
        var repoConfig = XDocument.Load(Path.Combine(PackedFeed.RepoRoot, "nuget.config"));
        var sources = repoConfig.Root!.Element("packageSources")!;
        sources.Elements("clear").Single().AddAfterSelf(new XElement("add", new XAttribute("key", "mlnetllm-test-feed"), new XAttribute("value", feed.Feed)));
        repoConfig.Save(Path.Combine(dir, "nuget.config"));
        File.WriteAllText(Path.Combine(dir, "Directory.Build.props"), "<Project />"); // nothing from folders above
        File.WriteAllText(Path.Combine(dir, "Directory.Packages.props"), "<Project />");
        File.WriteAllText(Path.Combine(dir, "Program.cs"), """
            using Microsoft.ML;
            using MLNetLlm;
            using MLNetLlm.AutoML;
            using MLNetLlm.Data;

            var ml = new MLContext(seed: 1);
            Row[] rows =
            [
                new() { Text = "WIN a FREE prize now, click http://win.example", Label = true }, new() { Text = "Cheap cash offer, urgent winner reply", Label = true },
                new() { Text = "Free cash!!! Claim your prize today", Label = true }, new() { Text = "URGENT: winner, click to claim free cash", Label = true },
                new() { Text = "Meeting moved to Tuesday, agenda attached", Label = false }, new() { Text = "Draft of the project report for review", Label = false },
                new() { Text = "Lunch with the team after the schedule review?", Label = false }, new() { Text = "Notes from today's project meeting", Label = false },
            ];
            var data = ml.Data.LoadFromEnumerable(rows);
            var sdca = ml.Llm().Auto().SdcaLogisticRegression(); // MLNetLlm.AutoML's default SDCA point
            var pipeline = ml.Llm().NormalizeText("Text")
                .Append(ml.Transforms.Text.FeaturizeText("Features", "Text"))
                .Append(sdca.BuildEstimator(ml, sdca.SearchSpace.Default)!);
            var model = pipeline.Fit(data);
            var predicted = ml.Data.CreateEnumerable<Scored>(model.Transform(data), reuseRowObject: false).ToArray();
            Console.WriteLine($"correct {predicted.Zip(rows).Count(p => p.First.PredictedLabel == p.Second.Label)}/{rows.Length}");

            public sealed class Row { public string Text { get; set; } = ""; public bool Label { get; set; } }
            public sealed class Scored { public bool PredictedLabel { get; set; } }
            """);
        var run = PackedFeed.Run(dir, TimeSpan.FromMinutes(15), "dotnet", "run", "-c", "Release");
        Assert.True(run.Code == 0, run.Output);
        Assert.Contains("correct 8/8", run.Output);

        // what the consumer restored: our three libraries at the test version, no TorchSharp / libtorch
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "obj", "project.assets.json")));
        var restored = assets.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name).ToArray();
        foreach (var id in new[] { "MLNetLlm.AutoML", "MLNetLlm.Data", "MLNetLlm.Core" })
            Assert.Contains($"{id}/{feed.Version}", restored);
        Assert.Contains(restored, l => l.StartsWith("Microsoft.ML/", StringComparison.Ordinal));
        Assert.DoesNotContain(restored, l => IsTorch(l[..l.IndexOf('/')]));
    }

    static bool IsTorch(string id) =>
        id.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase) || id.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase)
        || id.Equals("MLNetLlm.Torch", StringComparison.OrdinalIgnoreCase);

    static XDocument Nuspec(ZipArchive zip)
    {
        using var s = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/')).Open();
        return XDocument.Load(s);
    }

    /// <summary>The ids of a package's dependencies (every target framework group).</summary>
    static string[] Dependencies(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var nuspec = Nuspec(zip);
        return nuspec.Descendants(nuspec.Root!.Name.Namespace + "dependency").Select(d => d.Attribute("id")!.Value).Distinct().ToArray();
    }
}
