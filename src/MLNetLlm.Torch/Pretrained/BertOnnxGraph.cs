using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Onnx;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Pretrained;

/// <summary>The graph analysis behind <see cref="OnnxBertImporter"/>: names weights, infers the configuration.</summary>
internal sealed partial class BertOnnxGraph
{
    readonly GraphProto _graph;
    readonly string _path;
    readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);
    readonly Dictionary<string, NodeProto> _producers = new(StringComparer.Ordinal);
    readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);

    public BertOnnxGraph(ModelProto model, string path)
    {
        _graph = model.Graph;
        _path = path;
        Opset = model.OpsetImport.Where(o => string.IsNullOrEmpty(o.Domain)).Select(o => o.Version).DefaultIfEmpty(0).Max();
        foreach (var t in _graph.Initializer) _initializers[t.Name] = t;
        foreach (var n in _graph.Node)
        {
            foreach (var o in n.Output) _producers[o] = n;
            foreach (var i in n.Input)
            {
                if (!_consumers.TryGetValue(i, out var list)) _consumers[i] = list = [];
                list.Add(n);
            }
        }
    }

    /// <summary>The default-domain opset the graph was exported with.</summary>
    public long Opset { get; }

    [GeneratedRegex(@"^(?:bert\.)?((?:embeddings|encoder|pooler)\..+)$")]
    private static partial Regex HfName();

    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerIndex();

    /// <summary>HF-named weights (BertModel keys, no <c>bert.</c> prefix) and the configuration they imply.</summary>
    public (BertConfig Config, Dictionary<string, Tensor> Weights) Extract()
    {
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            var unmapped = new List<string>();
            var problems = new List<string>();
            foreach (var init in _graph.Initializer)
            {
                if (!IsFloat(init) || Numel(init) <= 1) continue; // shape constants, scalars, the position_ids buffer
                var named = HfName().Match(init.Name);
                if (named.Success)
                {
                    Add(weights, named.Groups[1].Value, ToTensor(init, transpose: false), problems);
                    continue;
                }
                var (name, transpose) = NameThroughGraph(init.Name);
                if (name is null) { unmapped.Add($"'{init.Name}' [{string.Join(", ", init.Dims)}]"); continue; }
                Add(weights, name, ToTensor(init, transpose), problems);
            }
            if (!weights.TryGetValue("embeddings.word_embeddings.weight", out var words))
                throw new InvalidDataException($"'{_path}' is not a BERT encoder: it has no embeddings.word_embeddings.weight initializer " +
                                               $"({_graph.Initializer.Count} initializers, ops: {string.Join(", ", _graph.Node.Select(n => n.OpType).Distinct().Take(12))}).");
            var config = InferConfig(weights, words, problems);
            var expected = ExpectedKeys(config, weights.ContainsKey("pooler.dense.weight"));
            foreach (var key in expected.Where(k => !weights.ContainsKey(k))) problems.Add($"missing '{key}'");
            foreach (var key in weights.Keys.Where(k => !expected.Contains(k)).OrderBy(k => k, StringComparer.Ordinal)) problems.Add($"unexpected '{key}'");
            if (unmapped.Count > 0)
                problems.Insert(0, $"{unmapped.Count} tensor(s) not mapped to a BERT weight: {string.Join(", ", unmapped)}");
            if (problems.Count > 0)
                throw new InvalidDataException($"'{_path}' cannot be imported as BERT: {string.Join("; ", problems)}.");
            return (config, weights);
        }
        catch
        {
            foreach (var t in weights.Values) t.Dispose();
            throw;
        }
    }

    static void Add(Dictionary<string, Tensor> weights, string name, Tensor t, List<string> problems)
    {
        if (!weights.TryAdd(name, t))
        {
            t.Dispose();
            problems.Add($"two tensors map to '{name}'");
        }
    }

    /// <summary>The HF name of an anonymous Linear weight, from the named bias its product is added to.</summary>
    (string? Name, bool Transpose) NameThroughGraph(string initializer)
    {
        foreach (var node in Consumers(initializer))
        {
            if (node.OpType == "MatMul" && node.Input.Count == 2 && node.Input[1] == initializer)
            {
                foreach (var add in Consumers(node.Output[0]).Where(n => n.OpType == "Add"))
                {
                    string other = add.Input[0] == node.Output[0] ? add.Input[1] : add.Input[0];
                    if (BiasOwner(other) is { } owner) return (owner + ".weight", true);
                }
            }
            else if (node.OpType == "Gemm" && node.Input.Count == 3 && node.Input[1] == initializer && BiasOwner(node.Input[2]) is { } owner)
            {
                bool transB = node.Attribute.Any(a => a.Name == "transB" && a.I == 1);
                bool transA = node.Attribute.Any(a => a.Name == "transA" && a.I == 1);
                if (!transA) return (owner + ".weight", !transB);
            }
        }
        return (null, false);
    }

    string? BiasOwner(string name)
    {
        var m = HfName().Match(name);
        if (!m.Success || !_initializers.ContainsKey(name)) return null;
        string hf = m.Groups[1].Value;
        return hf.EndsWith(".bias", StringComparison.Ordinal) ? hf[..^".bias".Length] : null;
    }

    IEnumerable<NodeProto> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : [];

    BertConfig InferConfig(Dictionary<string, Tensor> w, Tensor words, List<string> problems)
    {
        int vocab = (int)words.shape[0], hidden = (int)words.shape[1];
        int layers = w.Keys.Select(k => LayerIndex().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + 1).DefaultIfEmpty(0).Max();
        if (layers == 0) throw new InvalidDataException($"'{_path}' is not a BERT encoder: no encoder.layer.N weights.");
        int Rows(string key) => w.TryGetValue(key, out var t) ? (int)t.shape[0] : 0;
        int positions = Rows("embeddings.position_embeddings.weight");
        int types = Rows("embeddings.token_type_embeddings.weight");
        int intermediate = Rows("encoder.layer.0.intermediate.dense.weight");
        int heads = InferHeads(hidden);
        double eps = InferEpsilon();
        string act = InferActivation(w.ContainsKey("pooler.dense.weight"));
        if (positions == 0 || types == 0 || intermediate == 0)
            problems.Add("missing embeddings.position_embeddings, embeddings.token_type_embeddings or encoder.layer.0.intermediate.dense weights");
        return new BertConfig
        {
            VocabSize = vocab,
            HiddenSize = hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            IntermediateSize = Math.Max(intermediate, 1),
            HiddenAct = act,
            MaxPositionEmbeddings = Math.Max(positions, 1),
            TypeVocabSize = Math.Max(types, 1),
            LayerNormEps = eps,
        };
    }

    /// <summary>Heads from the reshape of layer 0's query to [B, T, heads, head size], else from the 1/sqrt(head size) scale.</summary>
    int InferHeads(int hidden)
    {
        string? queryOut = QueryOutput();
        if (queryOut != null)
        {
            var frontier = new Queue<(string Value, int Depth)>([(queryOut, 0)]);
            while (frontier.Count > 0)
            {
                var (value, depth) = frontier.Dequeue();
                foreach (var n in Consumers(value))
                {
                    if (n.OpType == "Reshape" && n.Input.Count == 2 && n.Input[0] == value && ShapeTail(n.Input[1]) is { } tail
                        && tail.heads > 0 && tail.heads * tail.size == hidden)
                        return (int)tail.heads;
                    if (depth < 3 && n.OpType is "Add" or "Mul" or "Div" or "Cast") frontier.Enqueue((n.Output[0], depth + 1));
                }
            }
        }
        // Fallback: scores divided by sqrt(head size) (Div) or multiplied by its inverse (Mul).
        foreach (var n in _graph.Node.Where(n => n.OpType is "Div" or "Mul" && n.Input.Count == 2))
        {
            if (Constant(n.Input[1]) is not { Length: 1 } c) continue;
            double s = n.OpType == "Div" ? c[0] : 1 / c[0];
            double headSize = s * s;
            if (s > 1 && Math.Abs(headSize - Math.Round(headSize)) < 1e-3 && hidden % (int)Math.Round(headSize) == 0
                && _producers.TryGetValue(n.Input[0], out var p) && p.OpType == "MatMul")
                return hidden / (int)Math.Round(headSize);
        }
        throw new InvalidDataException($"'{_path}': cannot infer the number of attention heads (no reshape of the query to heads and no 1/sqrt(head size) scale).");
    }

    string? QueryOutput()
    {
        foreach (var n in _graph.Node.Where(n => n.OpType is "Add" or "Gemm"))
            if (n.Input.Any(i => BiasOwner(i) is "encoder.layer.0.attention.self.query")) return n.Output[0];
        return null;
    }

    /// <summary>The last two entries of a reshape target that are constants (for [B, T, heads, size] built with Concat).</summary>
    (long heads, long size)? ShapeTail(string shape)
    {
        if (Constant(shape) is { Length: >= 2 } direct) return ((long)direct[^2], (long)direct[^1]);
        if (!_producers.TryGetValue(shape, out var concat) || concat.OpType != "Concat" || concat.Input.Count < 2) return null;
        var a = Constant(concat.Input[^2]);
        var b = Constant(concat.Input[^1]);
        return a is { Length: 1 } && b is { Length: 1 } ? ((long)a[0], (long)b[0]) : null;
    }

    /// <summary>The LayerNorm epsilon: a LayerNormalization attribute, or the constant added to the variance (ReduceMean output).</summary>
    double InferEpsilon()
    {
        var values = new HashSet<float>();
        foreach (var n in _graph.Node)
        {
            if (n.OpType == "LayerNormalization")
                values.Add(n.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f);
            else if (n.OpType == "Add" && n.Input.Count == 2)
                for (int k = 0; k < 2; k++)
                    if (_producers.TryGetValue(n.Input[k], out var p) && p.OpType == "ReduceMean" && Constant(n.Input[1 - k]) is { Length: 1 } c
                        && Consumers(n.Output[0]).Any(s => s.OpType == "Sqrt"))
                        values.Add((float)c[0]);
        }
        if (values.Count == 1) return double.Parse(values.Single().ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        throw new InvalidDataException(values.Count == 0
            ? $"'{_path}': cannot infer the LayerNorm epsilon (no LayerNormalization and no variance + epsilon pattern)."
            : $"'{_path}': LayerNorms use different epsilons ({string.Join(", ", values)}); one is supported.");
    }

    /// <summary>gelu (Erf or exact Gelu), gelu_new (tanh approximation) or relu, from the ops in the graph.</summary>
    string InferActivation(bool hasPooler)
    {
        var ops = _graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        if (ops.ContainsKey("Erf")) return "gelu";
        if (ops.TryGetValue("Gelu", out var gelu))
            return gelu[0].Attribute.FirstOrDefault(a => a.Name == "approximate")?.S.ToStringUtf8() == "tanh" ? "gelu_new" : "gelu";
        bool cube = ops.TryGetValue("Pow", out var pows) && pows.Any(p => p.Input.Count == 2 && Constant(p.Input[1]) is [3.0]);
        if (cube && ops.TryGetValue("Tanh", out var tanh) && tanh.Count > (hasPooler ? 1 : 0)) return "gelu_new";
        if (ops.ContainsKey("Relu")) return "relu";
        throw new InvalidDataException($"'{_path}': cannot infer the feed-forward activation (no Erf, Gelu, tanh-GELU or Relu ops).");
    }

    static HashSet<string> ExpectedKeys(BertConfig c, bool pooler)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in new[] { "word_embeddings", "position_embeddings", "token_type_embeddings" }) keys.Add($"embeddings.{e}.weight");
        keys.Add("embeddings.LayerNorm.weight");
        keys.Add("embeddings.LayerNorm.bias");
        for (int i = 0; i < c.NumHiddenLayers; i++)
            foreach (var m in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                                      "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm" })
            {
                keys.Add($"encoder.layer.{i}.{m}.weight");
                keys.Add($"encoder.layer.{i}.{m}.bias");
            }
        if (pooler)
        {
            keys.Add("pooler.dense.weight");
            keys.Add("pooler.dense.bias");
        }
        return keys;
    }

    /// <summary>The values of a small constant: an initializer, a Constant node, or one passed through Unsqueeze/Cast/Identity/Squeeze.</summary>
    double[]? Constant(string name, int depth = 0)
    {
        if (_initializers.TryGetValue(name, out var init)) return Numel(init) <= 16 ? Values(init) : null;
        if (!_producers.TryGetValue(name, out var node) || depth > 4) return null;
        return node.OpType switch
        {
            "Constant" => node.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } t && Numel(t) <= 16 ? Values(t) : null,
            "Unsqueeze" or "Cast" or "Identity" or "Squeeze" => Constant(node.Input[0], depth + 1),
            _ => null,
        };
    }

    static long Numel(TensorProto t) => t.Dims.Aggregate(1L, (a, b) => a * b);

    static bool IsFloat(TensorProto t) => t.DataType == (int)TensorDataType.Float;

    static double[]? Values(TensorProto t)
    {
        var raw = t.RawData.Span;
        return (TensorDataType)t.DataType switch
        {
            TensorDataType.Float => raw.Length > 0 ? MemoryMarshal.Cast<byte, float>(raw).ToArray().Select(v => (double)v).ToArray() : t.FloatData.Select(v => (double)v).ToArray(),
            TensorDataType.Double => raw.Length > 0 ? MemoryMarshal.Cast<byte, double>(raw).ToArray() : t.DoubleData.ToArray(),
            TensorDataType.Int64 => raw.Length > 0 ? MemoryMarshal.Cast<byte, long>(raw).ToArray().Select(v => (double)v).ToArray() : t.Int64Data.Select(v => (double)v).ToArray(),
            TensorDataType.Int32 => raw.Length > 0 ? MemoryMarshal.Cast<byte, int>(raw).ToArray().Select(v => (double)v).ToArray() : t.Int32Data.Select(v => (double)v).ToArray(),
            _ => null,
        };
    }

    Tensor ToTensor(TensorProto t, bool transpose)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw new InvalidDataException($"'{_path}': tensor '{t.Name}' is stored in an external data file, which is not supported.");
        long n = Numel(t);
        float[] data = t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : t.FloatData.ToArray();
        if (data.Length != n)
            throw new InvalidDataException($"'{_path}': tensor '{t.Name}' has {data.Length} values for shape [{string.Join(", ", t.Dims)}].");
        var x = tensor(data, t.Dims.ToArray());
        if (!transpose) return x;
        if (x.dim() != 2) { x.Dispose(); throw new InvalidDataException($"'{_path}': Linear weight '{t.Name}' is not a matrix."); }
        using (x) return x.t().contiguous();
    }
}
