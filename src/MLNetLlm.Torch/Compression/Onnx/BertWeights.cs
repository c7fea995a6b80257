using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Onnx;

/// <summary>One float tensor copied out of a state dict: data in row-major order and its shape.</summary>
internal sealed record WeightTensor(float[] Data, long[] Shape)
{
    public int Rows => (int)Shape[0];
    public int Columns => Shape.Length > 1 ? (int)Shape[1] : 1;
}

/// <summary>
/// The weights of a BERT sequence classifier by Hugging Face parameter name (<c>bert.encoder.layer.{i}.attention.self.query.weight</c>,
/// <c>classifier.weight</c>, ...). The encoder prefix (<c>bert.</c> or none) is found from the word-embedding key, so a bare
/// encoder state dict works too. Layer count and all widths are read from the tensor shapes, so structurally pruned layers
/// (fewer heads or FFN neurons in one layer) are described exactly.
/// </summary>
internal sealed class BertWeights
{
    private const string WordEmbeddings = "embeddings.word_embeddings.weight";
    private readonly IReadOnlyDictionary<string, WeightTensor> _tensors;

    private BertWeights(IReadOnlyDictionary<string, WeightTensor> tensors, string prefix)
    {
        _tensors = tensors;
        Prefix = prefix;
        int layers = 0;
        while (_tensors.ContainsKey($"{prefix}encoder.layer.{layers}.attention.self.query.weight")) layers++;
        if (layers == 0) throw new ArgumentException($"The state dict has no '{prefix}encoder.layer.0.attention.self.query.weight'; is it a BERT encoder?");
        LayerCount = layers;
    }

    public string Prefix { get; }

    public int LayerCount { get; }

    public int Hidden => Get("embeddings.word_embeddings.weight").Columns;

    public bool HasClassifier => _tensors.ContainsKey("classifier.weight");

    public static BertWeights From(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var copies = new Dictionary<string, WeightTensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in stateDict)
        {
            if (tensor.dtype != ScalarType.Float32 && tensor.dtype != ScalarType.Float16 && tensor.dtype != ScalarType.BFloat16)
                continue; // integer buffers such as position_ids are not weights
            using var f = tensor.detach().to(ScalarType.Float32).cpu().contiguous();
            copies[name] = new WeightTensor(f.data<float>().ToArray(), f.shape);
        }
        return From(copies);
    }

    public static BertWeights From(IReadOnlyDictionary<string, WeightTensor> tensors)
    {
        string? key = tensors.Keys.FirstOrDefault(k => k.EndsWith(WordEmbeddings, StringComparison.Ordinal));
        if (key is null) throw new ArgumentException($"The state dict has no '*{WordEmbeddings}' tensor; is it a BERT model?");
        return new BertWeights(tensors, key[..^WordEmbeddings.Length]);
    }

    /// <summary>A tensor under the encoder prefix, e.g. <c>encoder.layer.0.output.dense.weight</c>.</summary>
    public WeightTensor Get(string name) => GetExact(Prefix + name);

    public WeightTensor GetExact(string name) =>
        _tensors.TryGetValue(name, out var t) ? t : throw new ArgumentException($"The state dict has no tensor '{name}'.");

    public bool Contains(string name) => _tensors.ContainsKey(Prefix + name);
}
