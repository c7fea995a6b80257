using Google.Protobuf;
using MLNetLlm.Torch.Onnx;
using MLNetLlm.Torch.Pretrained;

namespace MLNetLlm.Torch.Tests.Pretrained;

/// <summary>Bad input to the importer: each failure is one line naming the file, and nothing is written.</summary>
public sealed class OnnxBertImporterErrorTests(RealModels models) : TempDirectoryTest, IClassFixture<RealModels>
{
    static void AssertOneLineNaming(Exception ex, string file)
    {
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains(file, ex.Message);
    }

    [Fact]
    public void AnOnnxModelThatIsNotBertFailsNamingTheFile()
    {
        // A valid ONNX graph (Y = X·W + B) with nothing of BERT in it.
        var graph = new GraphProto { Name = "linear" };
        graph.Node.Add(new NodeProto { OpType = "MatMul", Input = { "X", "W" }, Output = { "XW" } });
        graph.Node.Add(new NodeProto { OpType = "Add", Input = { "XW", "B" }, Output = { "Y" } });
        graph.Initializer.Add(FloatTensor("W", [4, 3]));
        graph.Initializer.Add(FloatTensor("B", [3]));
        var model = new ModelProto { IrVersion = 7, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } };
        string onnx = PathOf("linear.onnx");
        File.WriteAllBytes(onnx, model.ToByteArray());
        string vocab = models["all-MiniLM-L6-v2"].Vocab;
        var ex = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(onnx, vocab, PathOf("out")));
        AssertOneLineNaming(ex, onnx);
        Assert.Contains("not a BERT encoder", ex.Message);
        Assert.False(Directory.Exists(PathOf("out")));
    }

    [Fact]
    public void ATruncatedFileFailsNamingTheFile()
    {
        var real = models["arctic-embed-xs"];
        string onnx = PathOf("truncated.onnx");
        using (var src = File.OpenRead(real.Onnx))
        using (var dst = File.Create(onnx))
        {
            var buffer = new byte[3_000_000];
            src.ReadExactly(buffer);
            dst.Write(buffer);
        }
        var ex = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(onnx, real.Vocab, PathOf("out")));
        AssertOneLineNaming(ex, onnx);
        Assert.Contains("truncated", ex.Message);
        Assert.False(Directory.Exists(PathOf("out")));
        // Not an ONNX file at all: the vocabulary itself.
        var ex2 = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(real.Vocab, real.Vocab, PathOf("out")));
        AssertOneLineNaming(ex2, real.Vocab);
    }

    [Fact]
    public void AMissingVocabularyFailsNamingTheFile()
    {
        var real = models["arctic-embed-xs"];
        string vocab = PathOf("no-such-vocab.txt");
        var ex = Assert.Throws<FileNotFoundException>(() => OnnxBertImporter.Import(real.Onnx, vocab, PathOf("out")));
        AssertOneLineNaming(ex, vocab);
        // A file that is not a WordPiece vocabulary.
        File.WriteAllLines(PathOf("words.txt"), ["hello", "world"]);
        var ex2 = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(real.Onnx, PathOf("words.txt"), PathOf("out")));
        AssertOneLineNaming(ex2, PathOf("words.txt"));
        Assert.False(Directory.Exists(PathOf("out")));
    }

    [Fact]
    public void UnmappedTensorsAreAllNamedInOneMessage()
    {
        // Hide two named biases: their weights (anonymous MatMul inputs) can then not be named either.
        var real = models["arctic-embed-xs"];
        var model = OnnxBertImporter.LoadModel(real.Onnx);
        var renamed = new Dictionary<string, string>
        {
            ["encoder.layer.0.attention.self.key.bias"] = "hidden_bias_1",
            ["encoder.layer.3.intermediate.dense.bias"] = "hidden_bias_2",
        };
        foreach (var t in model.Graph.Initializer)
            if (renamed.TryGetValue(t.Name, out var n) || renamed.TryGetValue("bert." + t.Name, out n)) t.Name = n;
        foreach (var node in model.Graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (renamed.TryGetValue(node.Input[i], out var n) || renamed.TryGetValue(node.Input[i].Replace("bert.", ""), out n)) node.Input[i] = n;
        string onnx = PathOf("renamed.onnx");
        using (var f = File.Create(onnx)) model.WriteTo(f);
        var ex = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(onnx, real.Vocab, PathOf("out")));
        AssertOneLineNaming(ex, onnx);
        Assert.Contains("4 tensor(s) not mapped", ex.Message);
        Assert.Contains("'hidden_bias_1' [384]", ex.Message);
        Assert.Contains("'hidden_bias_2' [1536]", ex.Message);
        Assert.Contains("[384, 1536]", ex.Message); // the anonymous intermediate weight, still transposed
        Assert.Contains("missing 'encoder.layer.0.attention.self.key.weight'", ex.Message);
        Assert.False(Directory.Exists(PathOf("out")));
    }

    [Fact]
    public void ANonEmptyOutputFolderIsRefused()
    {
        var real = models["arctic-embed-xs"];
        Directory.CreateDirectory(PathOf("out"));
        File.WriteAllText(PathOf("out/keep.txt"), "mine");
        var ex = Assert.Throws<IOException>(() => OnnxBertImporter.Import(real.Onnx, real.Vocab, PathOf("out")));
        AssertOneLineNaming(ex, PathOf("out"));
        Assert.Equal("mine", File.ReadAllText(PathOf("out/keep.txt")));
    }

    static TensorProto FloatTensor(string name, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorDataType.Float, Dims = { dims } };
        t.FloatData.Add(Enumerable.Range(0, (int)dims.Aggregate(1L, (a, b) => a * b)).Select(i => i * 0.1f));
        return t;
    }
}
