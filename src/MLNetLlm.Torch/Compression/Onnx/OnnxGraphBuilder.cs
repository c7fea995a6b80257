using System.Runtime.InteropServices;
using Google.Protobuf;
using MLNetLlm.Torch.Onnx;

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
/// Builds an ONNX graph (nodes, initializers, typed inputs/outputs) and writes it as a ModelProto with the messages
/// generated from the project's <c>Onnx/onnx.proto</c> (Google.Protobuf). Names are made unique by the builder;
/// callers pass a readable stem.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph = new();
    private readonly List<ValueInfoProto> _inputs = [];
    private readonly List<ValueInfoProto> _outputs = [];
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
        var tensor = new TensorProto { DataType = (int)type, Name = name, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        InitializerBytes += raw.Length;
        return name;
    }

    public void Input(string name, OnnxType type, params object[] dims) => _inputs.Add(ValueInfo(Reserve(name), type, dims));

    public void Output(string name, OnnxType type, params object[] dims) => _outputs.Add(ValueInfo(name, type, dims));

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
        var node = new NodeProto { Name = $"{op}_{_nodeCount++}", OpType = op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        if (domain.Length > 0) node.Domain = domain;
        foreach (var a in attributes)
        {
            var attribute = new AttributeProto { Name = a.Name };
            if (a.Float is float f) { attribute.F = f; attribute.Type = AttributeProto.Types.AttributeType.Float; }
            else if (a.Int is long i) { attribute.I = i; attribute.Type = AttributeProto.Types.AttributeType.Int; }
            else if (a.Ints is long[] ints) { attribute.Ints.AddRange(ints); attribute.Type = AttributeProto.Types.AttributeType.Ints; }
            else throw new ArgumentException($"Attribute '{a.Name}' of {op} has no value.");
            node.Attribute.Add(attribute);
        }
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>Writes the model: IR version 8, default-domain opset <paramref name="opset"/> (plus com.microsoft 1 when used), plus metadata.</summary>
    public void Save(Stream stream, string graphName, int opset, IReadOnlyDictionary<string, string>? metadata = null)
    {
        _graph.Name = graphName;
        _graph.Input.Clear();
        _graph.Input.AddRange(_inputs);
        _graph.Output.Clear();
        _graph.Output.AddRange(_outputs);
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "MLNetLlm",
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        if (UsesMicrosoftDomain) model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        foreach (var (k, v) in metadata ?? new Dictionary<string, string>())
            model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        model.WriteTo(stream);
    }

    private static ValueInfoProto ValueInfo(string name, OnnxType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
        {
            shape.Dim.Add(d is string param
                ? new TensorShapeProto.Types.Dimension { DimParam = param }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
