using System.Runtime.InteropServices;

namespace MLNetLlm.Torch.Compression.Onnx;

/// <summary>ONNX TensorProto.DataType values used here.</summary>
internal enum OnnxType
{
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
}

/// <summary>One node attribute (ONNX AttributeProto) of kind int, float or ints.</summary>
internal sealed record OnnxAttribute(string Name, long? Int = null, float? Float = null, long[]? Ints = null)
{
    public static OnnxAttribute Of(string name, long value) => new(name, Int: value);
    public static OnnxAttribute Of(string name, float value) => new(name, Float: value);
    public static OnnxAttribute Of(string name, params long[] values) => new(name, Ints: values);
}

/// <summary>
/// Builds an ONNX graph (nodes, initializers, typed inputs/outputs) and writes it as a ModelProto, hand-encoded
/// (field numbers from onnx.proto). Names are made unique by the builder; callers pass a readable stem.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly ProtoWriter _nodes = new();
    private readonly ProtoWriter _initializers = new();
    private readonly List<(string Name, OnnxType Type, object[] Dims)> _inputs = [];
    private readonly List<(string Name, OnnxType Type, object[] Dims)> _outputs = [];
    private readonly Dictionary<string, int> _used = new(StringComparer.Ordinal);
    private int _nodeCount;

    /// <summary>Domain of ONNX Runtime's contrib operators (Attention, SkipLayerNormalization, ...).</summary>
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>Whether a node of <see cref="MicrosoftDomain"/> was added (the model then imports that operator set).</summary>
    public bool UsesMicrosoftDomain { get; private set; }

    /// <summary>Bytes of tensor data stored in the graph (what dominates the file size).</summary>
    public long InitializerBytes { get; private set; }

    public string Unique(string stem)
    {
        if (_used.TryGetValue(stem, out int n))
        {
            _used[stem] = n + 1;
            return $"{stem}_{n + 1}";
        }
        _used[stem] = 0;
        return stem;
    }

    public string Initializer(string stem, float[] data, params long[] dims) =>
        AddInitializer(stem, OnnxType.Float, MemoryMarshal.AsBytes(data.AsSpan()), dims);

    public string Initializer(string stem, sbyte[] data, params long[] dims) =>
        AddInitializer(stem, OnnxType.Int8, MemoryMarshal.AsBytes(data.AsSpan()), dims);

    public string Initializer(string stem, long[] data, params long[] dims) =>
        AddInitializer(stem, OnnxType.Int64, MemoryMarshal.AsBytes(data.AsSpan()), dims);

    public string Scalar(string stem, float value) => Initializer(stem, [value]);

    public string Scalar(string stem, long value) => Initializer(stem, [value]);

    private string AddInitializer(string stem, OnnxType type, ReadOnlySpan<byte> raw, long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        int size = type switch { OnnxType.Float or OnnxType.Int32 => 4, OnnxType.Int64 => 8, _ => 1 };
        if (count * size != raw.Length)
            throw new ArgumentException($"Initializer '{stem}': {raw.Length} bytes do not match shape [{string.Join(", ", dims)}].");
        string name = Unique(stem);
        byte[] copy = raw.ToArray();
        _initializers.WriteMessage(5, t =>
        {
            if (dims.Length > 0) t.WritePackedInt64(1, dims);
            t.WriteVarint(2, (int)type);
            t.WriteString(8, name);
            t.WriteBytes(9, copy);
        });
        InitializerBytes += raw.Length;
        return name;
    }

    public void Input(string name, OnnxType type, params object[] dims) => _inputs.Add((Reserve(name), type, dims));

    public void Output(string name, OnnxType type, params object[] dims) => _outputs.Add((name, type, dims));

    private string Reserve(string name)
    {
        if (!_used.TryAdd(name, 0)) throw new ArgumentException($"Graph name '{name}' is already used.");
        return name;
    }

    /// <summary>Adds a node with one output and returns that output's name (an exact name when given, else unique from the op).</summary>
    public string Node(string op, string[] inputs, string? output = null, params OnnxAttribute[] attributes) =>
        NodeMulti(op, inputs, [output ?? Unique(op.ToLowerInvariant())], attributes)[0];

    public string[] NodeMulti(string op, string[] inputs, string[] outputs, params OnnxAttribute[] attributes) =>
        NodeIn("", op, inputs, outputs, attributes);

    /// <summary>Adds an ONNX Runtime contrib operator (domain <see cref="MicrosoftDomain"/>) with one output; returns its name.</summary>
    public string MicrosoftNode(string op, string[] inputs, string? output = null, params OnnxAttribute[] attributes) =>
        NodeIn(MicrosoftDomain, op, inputs, [output ?? Unique(op.ToLowerInvariant())], attributes)[0];

    /// <summary>Adds a node of operator set <paramref name="domain"/> ("" = the default ONNX domain); an empty input name skips an optional input.</summary>
    private string[] NodeIn(string domain, string op, string[] inputs, string[] outputs, OnnxAttribute[] attributes)
    {
        if (domain == MicrosoftDomain) UsesMicrosoftDomain = true;
        string nodeName = $"{op}_{_nodeCount++}";
        _nodes.WriteMessage(1, n =>
        {
            foreach (string i in inputs) n.WriteString(1, i);
            foreach (string o in outputs) n.WriteString(2, o);
            n.WriteString(3, nodeName);
            n.WriteString(4, op);
            if (domain.Length > 0) n.WriteString(7, domain);
            foreach (var a in attributes)
            {
                n.WriteMessage(5, w =>
                {
                    w.WriteString(1, a.Name);
                    if (a.Float is float f) { w.WriteFloat(2, f); w.WriteVarint(20, 1); }
                    else if (a.Int is long i) { w.WriteVarint(3, i); w.WriteVarint(20, 2); }
                    else if (a.Ints is long[] ints) { w.WritePackedInt64(8, ints); w.WriteVarint(20, 7); }
                    else throw new ArgumentException($"Attribute '{a.Name}' of {op} has no value.");
                });
            }
        });
        return outputs;
    }

    /// <summary>Writes the model: IR version 8, default-domain opset <paramref name="opset"/> (plus com.microsoft 1 when used), plus metadata.</summary>
    public void Save(Stream stream, string graphName, int opset, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var graph = new ProtoWriter();
        graph.WriteString(2, graphName);
        graph.Append(_nodes);
        foreach (var (name, type, dims) in _inputs) graph.WriteMessage(11, v => WriteValueInfo(v, name, type, dims));
        foreach (var (name, type, dims) in _outputs) graph.WriteMessage(12, v => WriteValueInfo(v, name, type, dims));
        graph.Append(_initializers);

        var model = new ProtoWriter();
        model.WriteVarint(1, 8);
        model.WriteString(2, "MLNetLlm");
        model.WriteString(3, typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0");
        model.WriteMessage(8, o => { o.WriteString(1, ""); o.WriteVarint(2, opset); });
        if (UsesMicrosoftDomain) model.WriteMessage(8, o => { o.WriteString(1, MicrosoftDomain); o.WriteVarint(2, 1); });
        foreach (var (k, v) in metadata ?? new Dictionary<string, string>())
            model.WriteMessage(14, p => { p.WriteString(1, k); p.WriteString(2, v); });
        model.CopyTo(stream);
        // graph = field 7, length-delimited; written last so the (large) graph buffer is copied only once.
        var header = new ProtoWriter();
        header.WriteBytesHeader(7, graph.Length);
        header.CopyTo(stream);
        graph.CopyTo(stream);
    }

    private static void WriteValueInfo(ProtoWriter v, string name, OnnxType type, object[] dims)
    {
        v.WriteString(1, name);
        v.WriteMessage(2, t => t.WriteMessage(1, tensor =>
        {
            tensor.WriteVarint(1, (int)type);
            tensor.WriteMessage(2, shape =>
            {
                foreach (object d in dims)
                {
                    shape.WriteMessage(1, dim =>
                    {
                        if (d is string param) dim.WriteString(2, param);
                        else dim.WriteVarint(1, Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture));
                    });
                }
            });
        }));
    }
}
