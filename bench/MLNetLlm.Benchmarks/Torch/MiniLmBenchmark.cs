using System.Diagnostics;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;
using MLNetLlm.Torch;

namespace MLNetLlm.Benchmarks.Torch;

/// <summary>
/// The all-MiniLM-L6-v2-sized benchmarks of docs/benchmarks.md: AdamW training steps of the TorchSharp BERT (rows/s and
/// where the resident memory goes, step by step) on random token ids, the shapes of the PyTorch anchor
/// (bench/python/minilm_train_step.py). Speed and memory do not depend on the weights' values, so a randomly initialised
/// model of the same geometry stands in when no checkpoint is given. Not a test.
/// </summary>
internal static class MiniLmBenchmark
{
    /// <summary>all-MiniLM-L6-v2's geometry: 6 layers × 384, 12 heads, FFN 1,536, vocab 30,522, 512 positions (22.7 M parameters).</summary>
    public static BertConfig Geometry { get; } = new()
    {
        VocabSize = 30522, HiddenSize = 384, NumHiddenLayers = 6, NumAttentionHeads = 12, IntermediateSize = 1536, MaxPositionEmbeddings = 512,
    };

    /// <summary>One line per measurement, in order.</summary>
    public sealed record TrainStepReport(int Parameters, double RowsPerSecond, double SecondsPerStep, IReadOnlyList<(string Stage, double Megabytes)> Memory);

    /// <summary>
    /// Times <paramref name="steps"/> AdamW steps (forward, cross-entropy, backward, clipping, update, zeroing) at
    /// <paramref name="batch"/> × <paramref name="length"/> after one warm-up step, and records RSS after each phase of
    /// the warm-up step and the peak over the timed steps.
    /// </summary>
    public static TrainStepReport TrainStep(int threads, int steps, int batch = 16, int length = 128, string? checkpoint = null)
    {
        set_num_threads(threads);
        var memory = new List<(string, double)> { ("process start (runtime, libtorch loaded)", ProcessMemory.RssMegabytes()) };
        BertForSequenceClassification model;
        if (checkpoint is null)
        {
            model = new BertForSequenceClassification(Geometry);
            model.InitializeWeights(new Generator(1));
        }
        else model = MLNetLlm.Torch.Checkpoints.HuggingFaceCheckpoint.Load(checkpoint, CPU, allowNewHead: true).Model;
        using var _model = model;
        model.train();
        model.Compute.SeedDropout(1, CPU);
        int parameters = (int)model.parameters().Sum(p => p.numel());
        memory.Add(("model built (weights)", ProcessMemory.RssMegabytes()));
        using var opt = new AdamW(model.named_parameters(), weightDecay: 0.01, decays: AdamW.DecaysByDefault);
        var generator = new Generator(7);
        var ids = randint(1000, model.Config.VocabSize, [batch, length], generator: generator);
        var mask = ones([batch, length], ScalarType.Int64);
        var types = zeros([batch, length], ScalarType.Int64);
        var labels = randint(0, 2, [batch], generator: generator);

        void Step(Action<string>? mark)
        {
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(model.Forward(ids, mask, types), labels);
            mark?.Invoke("after forward (activations kept for backward)");
            loss.backward();
            mark?.Invoke("after backward (gradients)");
            opt.ClipGradNorm(1.0);
            opt.Step(5e-5);
            mark?.Invoke("after AdamW update (moments)");
            opt.ZeroGrad();
            mark?.Invoke("after zeroing gradients");
        }

        ProcessMemory.ResetPeak();
        Step(stage => memory.Add(("warm-up step: " + stage, ProcessMemory.RssMegabytes())));
        memory.Add(("warm-up step: peak", ProcessMemory.PeakMegabytes()));
        ProcessMemory.ResetPeak();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step(null);
        sw.Stop();
        memory.Add(($"timed steps: peak over {steps}", ProcessMemory.PeakMegabytes()));
        memory.Add(("after the timed steps", ProcessMemory.RssMegabytes()));
        double secs = sw.Elapsed.TotalSeconds / steps;
        foreach (var t in new[] { ids, mask, types, labels }) t.Dispose();
        return new TrainStepReport(parameters, batch / secs, secs, memory);
    }
}
