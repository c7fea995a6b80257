using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Onnx;
using MLNetLlm.Torch.Tokenization;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Pretrained;

/// <summary>
/// Converts a BERT encoder exported to ONNX (PyTorch's exporter, as sentence-transformers models are shipped) into a
/// HuggingFace checkpoint folder — <c>config.json</c>, <c>model.safetensors</c>, <c>vocab.txt</c>,
/// <c>tokenizer_config.json</c> — that <see cref="Trainers.TransformerTrainingOptions.PretrainedModelPath"/> loads.
/// </summary>
/// <remarks>
/// Exporters keep the HF names of the embeddings, biases, LayerNorms and (usually) the pooler, but store each encoder
/// Linear weight as an anonymous, transposed initializer feeding a <c>MatMul</c>. Such a weight is named through the
/// graph: the <c>MatMul</c> whose output goes into an <c>Add</c> with the named <c>X.bias</c> holds <c>X.weight</c>,
/// transposed back to HF's [out, in]; a <c>Gemm</c> with <c>transB = 1</c> already holds [out, in]. Layers, width,
/// heads, feed-forward width, LayerNorm epsilon and activation are read from the graph, not assumed. Any float tensor
/// that cannot be named, or any BERT weight the graph lacks, fails the import with one message listing all of them.
/// A graph without a pooler (exported for embeddings only) gives a checkpoint without one; fine-tuning then starts the
/// pooler fresh, like the classification head.
/// </remarks>
public static class OnnxBertImporter
{
    /// <summary>
    /// Imports <paramref name="onnxPath"/> with the WordPiece vocabulary <paramref name="vocabPath"/> (one token per line,
    /// LF or CRLF) into <paramref name="outputDirectory"/>, which must not exist or be empty. The folder is written
    /// under a temporary name and moved into place, so it is either complete or absent.
    /// </summary>
    /// <param name="lowerCase">Whether the tokenizer lower-cases; null: inferred from the vocabulary (uncased when it has
    /// (almost) no upper-case tokens).</param>
    /// <returns>The inferred configuration.</returns>
    /// <exception cref="FileNotFoundException">The ONNX or vocabulary file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an ONNX BERT encoder, is truncated, or has tensors that
    /// cannot be mapped; the message names the file.</exception>
    public static BertConfig Import(string onnxPath, string vocabPath, string outputDirectory, bool? lowerCase = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        ArgumentException.ThrowIfNullOrEmpty(vocabPath);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        if (!File.Exists(onnxPath)) throw new FileNotFoundException($"ONNX model '{onnxPath}' does not exist.", onnxPath);
        if (!File.Exists(vocabPath)) throw new FileNotFoundException($"Vocabulary '{vocabPath}' does not exist (an ONNX BERT needs its vocab.txt).", vocabPath);
        string target = Path.GetFullPath(outputDirectory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new IOException($"Output folder '{outputDirectory}' already exists and is not empty.");

        var vocabulary = ReadVocabulary(vocabPath);
        var graph = new BertOnnxGraph(LoadModel(onnxPath), onnxPath);
        var (config, weights) = graph.Extract();
        try
        {
            if (vocabulary.Count != config.VocabSize)
                throw new InvalidDataException($"'{vocabPath}' has {vocabulary.Count} tokens but the word embedding of '{onnxPath}' has {config.VocabSize} rows.");
            int pad = vocabulary.IndexOf("[PAD]");
            config = config with { PadTokenId = pad < 0 ? 0 : pad };
            var tokenizer = BertTextTokenizer.Create(vocabulary, lowerCase ?? LooksUncased(vocabulary));

            string parent = Path.GetDirectoryName(target) ?? ".";
            Directory.CreateDirectory(parent);
            string temp = Path.Combine(parent, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            try
            {
                Directory.CreateDirectory(temp);
                File.WriteAllText(Path.Combine(temp, HuggingFaceCheckpoint.ConfigFile), EncoderConfigJson(config, onnxPath));
                SafeTensors.Write(Path.Combine(temp, HuggingFaceCheckpoint.WeightsFile), weights, new Dictionary<string, string> { ["format"] = "pt" });
                tokenizer.Save(temp);
                if (Directory.Exists(target)) Directory.Delete(target);
                Directory.Move(temp, target);
            }
            catch
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
                throw;
            }
            return config;
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    /// <summary>Parses <paramref name="path"/> as an ONNX <c>ModelProto</c>; a file that is not one fails naming it.</summary>
    internal static ModelProto LoadModel(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            if (stream.Length == 0) throw new InvalidDataException($"'{path}' is empty, not an ONNX model.");
            var model = ModelProto.Parser.ParseFrom(stream);
            if (model.Graph is null || model.Graph.Node.Count == 0)
                throw new InvalidDataException($"'{path}' is not an ONNX model (no graph).");
            return model;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"'{path}' is not a readable ONNX model (truncated or corrupt: {ex.Message})", ex);
        }
    }

    /// <summary>Vocabulary lines (LF or CRLF); a final empty line is not a token.</summary>
    internal static List<string> ReadVocabulary(string path)
    {
        var lines = File.ReadAllText(path, Encoding.UTF8).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) throw new InvalidDataException($"Vocabulary '{path}' is empty.");
        foreach (var special in new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" })
            if (!lines.Contains(special)) throw new InvalidDataException($"Vocabulary '{path}' has no '{special}' token: it is not a BERT WordPiece vocabulary.");
        return lines;
    }

    static bool LooksUncased(IReadOnlyList<string> vocabulary)
    {
        int upper = vocabulary.Count(t => !t.StartsWith('[') && t.Any(char.IsUpper));
        return upper < vocabulary.Count / 200;
    }

    static string EncoderConfigJson(BertConfig config, string onnxPath)
    {
        var o = JsonNode.Parse(config.ToHuggingFaceJson())!.AsObject();
        o["architectures"] = new JsonArray("BertModel");
        o.Remove("id2label");
        o.Remove("label2id");
        o.Remove("problem_type");
        o["mlnetllm_imported_from"] = Path.GetFileName(onnxPath);
        return o.ToJsonString(new() { WriteIndented = true });
    }
}
