using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Persistence;

namespace MLNetLlm.Core.Tests.Persistence;

/// <summary>An IPersistentTransformer that is never registered: a model file naming it must not get it instantiated.</summary>
public sealed class UnregisteredTransformer : IPersistentTransformer
{
    public static int Loads;
    public bool IsRowToRowMapper => false;
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;
    public IDataView Transform(IDataView input) => input;
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException();
    public void SaveTo(string directory) => File.WriteAllText(Path.Combine(directory, "x"), "x");

    public static ITransformer LoadFrom(MLContext mlContext, string directory)
    {
        Interlocked.Increment(ref Loads);
        return new UnregisteredTransformer();
    }
}

/// <summary>
/// Model files are input from outside: loading one instantiates only allowed types, extracts only inside its own
/// folder, and any damage is a <see cref="ModelFileException"/> that names the file.
/// </summary>
public sealed class ModelFileSafetyTests : IDisposable
{
    sealed class In { public float X { get; set; } public string Text { get; set; } = ""; }

    readonly string _dir = Directory.CreateTempSubdirectory("mlnetllm-safety-").FullName;
    readonly MLContext _ml = new(3);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A real model file: ML.NET stages around a registered component.</summary>
    string SaveModel(string name = "model.mlnetllm")
    {
        LlmModelOperations.RegisterComponent<AddConstantTransformer>();
        var data = _ml.Data.LoadFromEnumerable(Enumerable.Range(0, 12).Select(i => new In { X = i, Text = "word" + i % 3 }));
        var first = _ml.Transforms.NormalizeMinMax("X").Fit(data);
        var custom = new AddConstantTransformer("X", 2);
        var last = _ml.Transforms.Text.FeaturizeText("F", "Text").Fit(custom.Transform(first.Transform(data)));
        string path = Path.Combine(_dir, name);
        _ml.Llm().Model.Save(new TransformerChain<ITransformer>(first, custom, last), data.Schema, path, new Dictionary<string, string> { ["task"] = "t" });
        return path;
    }

    /// <summary>Rewrites manifest.json of <paramref name="path"/> with <paramref name="edit"/>; other entries are kept.</summary>
    static void EditManifest(string path, Action<JsonObject> edit)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry("manifest.json")!;
        JsonObject manifest;
        using (var s = entry.Open()) manifest = JsonNode.Parse(s)!.AsObject();
        edit(manifest);
        entry.Delete();
        using var w = new StreamWriter(zip.CreateEntry("manifest.json").Open());
        w.Write(manifest.ToJsonString());
    }

    static JsonObject ComponentStage(JsonObject manifest) =>
        manifest["stages"]!.AsArray().Select(s => s!.AsObject()).Single(s => s["kind"]!.GetValue<string>() == "component");

    [Theory]
    [InlineData("MLNetLlm.Core.Tests.Persistence.UnregisteredTransformer, MLNetLlm.Core.Tests")] // has LoadFrom, never registered
    [InlineData("System.IO.FileInfo, System.Runtime")]                                              // not a component at all
    [InlineData("Evil.Payload, /tmp/evil")]                                                         // an assembly path
    [InlineData("MLNetLlm.Persistence.LlmModelOperations, MLNetLlm.Core")]                          // our assembly, not a component
    [InlineData("MLNetLlm.Core.Tests.Persistence.UnregisteredTransformer")]                         // no assembly name
    public void AModelNamingATypeOutsideTheAllowListIsRefusedWithoutInstantiatingIt(string typeName)
    {
        string path = SaveModel();
        EditManifest(path, m => ComponentStage(m)["type"] = typeName);
        int loadsBefore = UnregisteredTransformer.Loads;

        var ex = Assert.Throws<ModelFileException>(() => new MLContext().Llm().Model.Load(path, out _));
        Assert.Contains(path, ex.Message);
        Assert.Contains("refusing to load", ex.Message);
        Assert.Equal(loadsBefore, UnregisteredTransformer.Loads);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name is "evil" or "Evil");
    }

    [Fact]
    public void ARegisteredForeignTypeLoadsAndAnUnregisteredOneCannotEvenBeSaved()
    {
        string path = SaveModel();
        var loaded = new MLContext().Llm().Model.Load(path, out _);
        Assert.NotNull(loaded);

        var data = _ml.Data.LoadFromEnumerable(new[] { new In() });
        var ex = Assert.Throws<ModelFileException>(() => _ml.Llm().Model.Save(new UnregisteredTransformer(), data.Schema, Path.Combine(_dir, "u.mlnetllm")));
        Assert.Contains("RegisterComponent", ex.Message);
        Assert.Throws<ArgumentException>(() => LlmModelOperations.RegisterComponent(typeof(NoLoaderTransformer)));
        Assert.Throws<ArgumentException>(() => LlmModelOperations.RegisterComponent(typeof(FileInfo)));
    }

    [Theory]
    [InlineData("../../escaped.txt")]
    [InlineData("../sibling/escaped.txt")]
    [InlineData("/tmp/absolute-escaped.txt")]
    public void AnEntryThatEscapesItsStageFolderIsRefusedAndNothingIsWrittenOutside(string relative)
    {
        string path = SaveModel();
        string stage;
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            stage = zip.Entries.First(e => e.FullName.EndsWith("/state.json", StringComparison.Ordinal)).FullName[..^"state.json".Length];
            using var w = new StreamWriter(zip.CreateEntry(stage + relative).Open());
            w.Write("escaped");
        }
        string tmp = Path.GetTempPath();
        var before = Directory.GetFileSystemEntries(tmp, "*escaped*", SearchOption.TopDirectoryOnly).ToHashSet();

        var ex = Assert.Throws<ModelFileException>(() => new MLContext().Llm().Model.Load(path, out _));
        Assert.Contains(path, ex.Message);
        Assert.Contains("outside its folder", ex.Message);
        Assert.Equal(before, Directory.GetFileSystemEntries(tmp, "*escaped*", SearchOption.TopDirectoryOnly).ToHashSet());
    }

    [Theory]
    [InlineData("/tmp/mlnetllm-load-abc", "/tmp/mlnetllm-load-abc/x/state.json", true)]
    [InlineData("/tmp/mlnetllm-load-abc", "/tmp/mlnetllm-load-abcdef/state.json", false)] // shares the prefix, not the folder
    [InlineData("/tmp/mlnetllm-load-abc/", "/tmp/mlnetllm-load-abcdef/state.json", false)]
    [InlineData("/tmp/mlnetllm-load-abc", "/tmp/mlnetllm-load-abc", false)]
    [InlineData("/tmp/mlnetllm-load-abc", "/tmp/state.json", false)]
    public void ExtractionTargetMustLieInsideTheFolderNotMerelyShareItsPrefix(string folder, string target, bool inside) =>
        Assert.Equal(inside, LlmModelOperations.IsInside(folder, target));

    [Fact]
    public void AZipThatIsNotAModelAndAnUnknownStageKindNameTheFile()
    {
        string other = Path.Combine(_dir, "other.zip");
        using (var zip = ZipFile.Open(other, ZipArchiveMode.Create))
        using (var w = new StreamWriter(zip.CreateEntry("readme.txt").Open())) w.Write("hello");
        Assert.Contains(other, Assert.Throws<ModelFileException>(() => _ml.Llm().Model.Load(other, out _)).Message);
        Assert.Contains(other, Assert.Throws<ModelFileException>(() => _ml.Llm().Model.ReadMetadata(other)).Message);

        string path = SaveModel();
        EditManifest(path, m => ComponentStage(m)["kind"] = "plugin");
        Assert.Contains("unknown stage kind 'plugin'", Assert.Throws<ModelFileException>(() => _ml.Llm().Model.Load(path, out _)).Message);
    }

    /// <summary>
    /// Flips bytes at offsets spread over the whole file (headers, compressed data, central directory) and truncates it at
    /// many lengths: every load either succeeds (the byte was in a field nothing checks, e.g. a timestamp) and then scores
    /// like the original, or fails with a <see cref="ModelFileException"/> naming the file — never another exception.
    /// </summary>
    [Fact]
    [Trait("Speed", "Slow")]
    public void EveryFlippedByteOrTruncationIsAModelFileErrorNamingTheFileOrHarmless()
    {
        string original = SaveModel("original.mlnetllm");
        byte[] bytes = File.ReadAllBytes(original);
        var data = _ml.Data.LoadFromEnumerable(Enumerable.Range(0, 5).Select(i => new In { X = i, Text = "word" + i }));
        float[] Score(ITransformer m) => m.Transform(data).GetColumn<float>("X").ToArray();
        float[] expected = Score(_ml.Llm().Model.Load(original, out _));

        var rng = new Random(12345);
        var offsets = Enumerable.Range(0, 100).Select(i => (long)i * bytes.Length / 100)
            .Concat(Enumerable.Range(0, 60).Select(_ => (long)rng.Next(bytes.Length)))
            .Concat(Enumerable.Range(1, 40).Select(i => (long)bytes.Length - i)) // the central directory and its end record
            .Distinct().ToList();
        int failures = 0, harmless = 0;
        string damaged = Path.Combine(_dir, "damaged.mlnetllm");
        void Check(byte[] content, string what)
        {
            File.WriteAllBytes(damaged, content);
            try
            {
                var meta = new MLContext().Llm().Model.ReadMetadata(damaged);
                var model = new MLContext().Llm().Model.Load(damaged, out _);
                Assert.Equal(expected, Score(model));
                harmless++;
            }
            catch (ModelFileException ex)
            {
                Assert.True(ex.Message.Contains(damaged, StringComparison.Ordinal), $"{what}: message without the file name: {ex.Message}");
                Assert.DoesNotContain('\n', ex.Message);
                failures++;
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{what}: {ex.GetType().Name} instead of ModelFileException: {ex.Message}");
            }
        }
        foreach (long offset in offsets)
        {
            var copy = (byte[])bytes.Clone();
            copy[offset] ^= (byte)(1 + rng.Next(255));
            Check(copy, $"byte {offset} of {bytes.Length} changed");
        }
        foreach (int length in new[] { 0, 1, 4, 22, 100, bytes.Length / 3, bytes.Length / 2, bytes.Length - 23, bytes.Length - 1 })
            Check(bytes[..length], $"truncated to {length} bytes");
        // 200 bytes changed at once, as in the report that found this.
        var many = (byte[])bytes.Clone();
        foreach (int i in Enumerable.Range(0, 200)) many[rng.Next(many.Length)] ^= 0x5A;
        Check(many, "200 bytes changed");
        Assert.True(failures > offsets.Count / 2, $"only {failures} of {offsets.Count + 10} damaged files were refused ({harmless} loaded)");
    }
}
