using System.Diagnostics;
using MLNetLlm.Torch.Devices;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;
using MLNetLlm.Torch;

namespace MLNetLlm.Benchmarks.Torch;

/// <summary>
/// Throughput benchmarks of the TorchSharp BERT: AdamW train steps (forward, backward, clipping, update) and no-grad
/// inference on random token ids, after warm-up steps. Not a test: numbers go to docs/benchmarks.md.
/// </summary>
public static class TorchBenchmark
{
    /// <summary>The tiny configuration of the HF fixture: 2 layers, 64 wide, 4 heads, 128 feed-forward, 2,000 tokens.</summary>
    public static BertConfig Tiny { get; } = new()
    {
        VocabSize = 2000, HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 128, MaxPositionEmbeddings = 512,
    };

    /// <summary>A small configuration: 4 layers, 256 wide, 4 heads, 1,024 feed-forward, 8,000 tokens.</summary>
    public static BertConfig Small { get; } = new()
    {
        VocabSize = 8000, HiddenSize = 256, NumHiddenLayers = 4, NumAttentionHeads = 4, IntermediateSize = 1024, MaxPositionEmbeddings = 512,
    };

    /// <summary>BERT-base: 12 layers, 768 wide, 12 heads, 3,072 feed-forward, 30,522 tokens.</summary>
    public static BertConfig Base { get; } = new();

    /// <summary>The CPU suite: tiny and small train steps (batch 16, seq 128) and inference (batch 64, seq 128).</summary>
    public static IReadOnlyList<BenchmarkResult> RunCpu(int threads, int steps = 10, Action<BenchmarkResult>? onResult = null)
    {
        var results = new List<BenchmarkResult>();
        void Add(BenchmarkResult r) { results.Add(r); onResult?.Invoke(r); }
        foreach (var (name, config) in new[] { ("tiny", Tiny), ("small-4L-256H", Small) })
        {
            Add(TrainStep(name, config, 16, 128, "cpu", BenchmarkPrecision.Float32, threads, steps));
            Add(Inference(name, config, 64, 128, "cpu", BenchmarkPrecision.Float32, threads, steps));
        }
        return results;
    }

    /// <summary>The GPU suite: BERT-base seq 128 AdamW steps in fp32, tf32 and bf16 at batch 32, bf16 at batch 128.</summary>
    public static IReadOnlyList<BenchmarkResult> RunGpu(string device = "cuda", int steps = 20, Action<BenchmarkResult>? onResult = null)
    {
        var results = new List<BenchmarkResult>();
        foreach (var (p, b) in new[] { (BenchmarkPrecision.Float32, 32), (BenchmarkPrecision.TF32, 32), (BenchmarkPrecision.BFloat16, 32), (BenchmarkPrecision.BFloat16, 128) })
        {
            var r = TrainStep("bert-base", Base, b, 128, device, p, 0, steps);
            results.Add(r);
            onResult?.Invoke(r);
        }
        return results;
    }

    /// <summary>Times <paramref name="steps"/> AdamW steps after 2 warm-up steps.</summary>
    public static BenchmarkResult TrainStep(string name, BertConfig config, int batchSize, int sequenceLength, string device,
        BenchmarkPrecision precision, int threads, int steps)
    {
        var dev = TorchDevice.Resolve(device);
        using var model = Build(config, dev, precision, threads);
        model.train();
        using var opt = new AdamW(model.named_parameters(), weightDecay: 0.01, decays: AdamW.DecaysByDefault);
        var generator = new Generator(1);
        var sw = new Stopwatch();
        for (int i = -2; i < steps; i++)
        {
            if (i == 0) { Sync(dev); sw.Start(); }
            using var scope = NewDisposeScope();
            var (ids, mask, types) = RandomBatch(config, batchSize, sequenceLength, dev, generator);
            var labels = randint(0, config.NumLabels, [batchSize], generator: generator).to(dev);
            var loss = nn.functional.cross_entropy(model.Forward(ids, mask, types), labels);
            loss.backward();
            opt.ClipGradNorm(1.0);
            opt.Step(1e-4);
            opt.ZeroGrad();
        }
        Sync(dev);
        return Result(name, "train", dev, precision, batchSize, sequenceLength, threads, steps, sw.Elapsed, 3 * ForwardFlopsPerSample(config, sequenceLength));
    }

    /// <summary>Times <paramref name="steps"/> no-grad forward passes after 2 warm-up passes.</summary>
    public static BenchmarkResult Inference(string name, BertConfig config, int batchSize, int sequenceLength, string device,
        BenchmarkPrecision precision, int threads, int steps)
    {
        var dev = TorchDevice.Resolve(device);
        using var model = Build(config, dev, precision, threads);
        model.eval();
        var generator = new Generator(2);
        var sw = new Stopwatch();
        using var _ = no_grad();
        for (int i = -2; i < steps; i++)
        {
            if (i == 0) { Sync(dev); sw.Start(); }
            using var scope = NewDisposeScope();
            var (ids, mask, types) = RandomBatch(config, batchSize, sequenceLength, dev, generator);
            model.Forward(ids, mask, types).cpu();
        }
        Sync(dev);
        return Result(name, "inference", dev, precision, batchSize, sequenceLength, threads, steps, sw.Elapsed, ForwardFlopsPerSample(config, sequenceLength));
    }

    static BertForSequenceClassification Build(BertConfig config, Device dev, BenchmarkPrecision precision, int threads)
    {
        if (threads > 0) set_num_threads(threads);
        if (dev.type == DeviceType.CUDA) backends.cuda.matmul.allow_tf32 = precision == BenchmarkPrecision.TF32;
        var compute = new ComputeSettings
        {
            LowPrecision = precision == BenchmarkPrecision.BFloat16 ? ScalarType.BFloat16 : null,
            UseSdpa = dev.type == DeviceType.CUDA || precision == BenchmarkPrecision.BFloat16,
        };
        var model = new BertForSequenceClassification(config, compute);
        model.InitializeWeights(new Generator(0));
        model.to(dev);
        return model;
    }

    static (Tensor, Tensor, Tensor) RandomBatch(BertConfig config, int b, int t, Device dev, Generator g)
    {
        var ids = randint(5, config.VocabSize, [b, t], generator: g);
        ids[.., 0] = tensor(2L);
        return (ids.to(dev), ones(b, t, dtype: ScalarType.Int64).to(dev), zeros(b, t, dtype: ScalarType.Int64).to(dev));
    }

    static void Sync(Device dev)
    {
        if (dev.type == DeviceType.CUDA) cuda.synchronize(dev);
    }

    /// <summary>
    /// Model FLOPs of one forward pass of one sequence of <paramref name="sequenceLength"/> tokens: 2 per
    /// multiply-accumulate in every layer's Q, K, V, output and feed-forward products (4h² + 2h·ffn weights per token)
    /// and attention's scores and weighted sum (2 × 2 × t² × h per layer), plus the pooler and classifier on [CLS].
    /// Embedding look-ups, LayerNorm, softmax and GELU are not counted (the usual MFU convention).
    /// </summary>
    public static double ForwardFlopsPerSample(BertConfig config, int sequenceLength)
    {
        double h = config.HiddenSize, t = sequenceLength;
        double perLayer = 2 * t * (4 * h * h + 2 * h * config.IntermediateSize) + 4 * t * t * h;
        return config.NumHiddenLayers * perLayer + 2 * (h * h + h * config.NumLabels);
    }

    static BenchmarkResult Result(string name, string kind, Device dev, BenchmarkPrecision p, int b, int t, int threads, int steps, TimeSpan elapsed, double flopsPerSample) =>
        new(name, kind, dev.type == DeviceType.CUDA ? "cuda" : "cpu", p, b, t, threads > 0 ? threads : get_num_threads(), steps,
            steps * b / elapsed.TotalSeconds, elapsed.TotalMilliseconds / steps, flopsPerSample);
}
