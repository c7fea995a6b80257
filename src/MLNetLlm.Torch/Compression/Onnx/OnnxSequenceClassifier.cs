using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLNetLlm.Torch.Compression.Onnx;

/// <summary>
/// Runs a sequence classifier written by <see cref="BertOnnxExporter"/> with ONNX Runtime on the CPU.
/// </summary>
public sealed class OnnxSequenceClassifier : IDisposable
{
    private readonly InferenceSession _session;

    private OnnxSequenceClassifier(InferenceSession session, string path)
    {
        _session = session;
        Path = path;
        LabelCount = (int)session.OutputMetadata["logits"].Dimensions[^1];
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <summary>Number of classes (width of the logits).</summary>
    public int LabelCount { get; }

    /// <summary>Opens <paramref name="path"/>; <paramref name="threads"/> intra-op threads (0 = ONNX Runtime's default, all cores).</summary>
    public static OnnxSequenceClassifier Open(string path, int threads = 0) => Open(path, threads, null, null);

    /// <summary>
    /// <see cref="Open(string, int)"/>, optionally writing ONNX Runtime's per-node profile (JSON trace, file name starting
    /// with <paramref name="profilePrefix"/>; finish it with <see cref="EndProfiling"/>) and its optimized graph to
    /// <paramref name="optimizedModelPath"/>.
    /// </summary>
    internal static OnnxSequenceClassifier Open(string path, int threads, string? profilePrefix, string? optimizedModelPath)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Thread count must be ≥ 0.");
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (profilePrefix is not null)
        {
            // The prefix first: enabling profiling starts it with the prefix set at that moment.
            options.ProfileOutputPathPrefix = profilePrefix;
            options.EnableProfiling = true;
        }
        if (optimizedModelPath is not null) options.OptimizedModelFilePath = optimizedModelPath;
        try
        {
            return new OnnxSequenceClassifier(new InferenceSession(path, options), path);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"ONNX Runtime cannot load '{path}': {e.Message}", e);
        }
        finally
        {
            options.Dispose();
        }
    }

    /// <summary>
    /// Logits [batch × labels], row-major, for token ids / mask / segment ids given row-major [batch × sequence]
    /// (segment ids may be null: all zero).
    /// </summary>
    public float[] Logits(long[] inputIds, long[] attentionMask, long[]? tokenTypeIds, int batch)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(attentionMask);
        if (batch <= 0 || inputIds.Length % batch != 0 || inputIds.Length == 0)
            throw new ArgumentException($"{inputIds.Length} token ids do not split into {batch} rows of equal length.", nameof(inputIds));
        if (attentionMask.Length != inputIds.Length || (tokenTypeIds is not null && tokenTypeIds.Length != inputIds.Length))
            throw new ArgumentException("input ids, attention mask and token type ids must have the same length.");
        int sequence = inputIds.Length / batch;
        int[] dims = [batch, sequence];
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(inputIds, dims)),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(attentionMask, dims)),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(tokenTypeIds ?? new long[inputIds.Length], dims)),
        };
        using var results = _session.Run(inputs, ["logits"]);
        return results[0].AsEnumerable<float>().ToArray();
    }

    /// <summary>Stops profiling and returns the trace file (only for a session opened with a profile prefix).</summary>
    internal string EndProfiling() => _session.EndProfiling();

    public void Dispose() => _session.Dispose();
}
