using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;
using TorchAdamW = TorchSharp.Modules.AdamW;

namespace MLNetLlm.Torch.Tests.Reference;

/// <summary>
/// Our optimizer step (<see cref="AdamW"/>, <see cref="LinearWarmupSchedule"/>, <see cref="AdamW.ClipGradNorm"/>) against
/// libtorch's own: <c>torch.optim.AdamW</c> with two parameter groups (decay / no decay), <c>LambdaLR</c> with HF's
/// linear warm-up/decay rule, and libtorch's <c>clip_grad_norm_</c>, on two identical BERT classifiers trained on the
/// same random batches. The weight decay (0.1 at a peak rate of 5e-3) moves weights by ~5e-4 relative per step, 500× the
/// 1e-6 tolerance, so a missing or coupled decay, a wrong bias correction, schedule or clipping fails.
/// </summary>
public sealed class AdamWReferenceTests
{
    const double PeakLr = 5e-3, WeightDecay = 0.1, MaxGradNorm = 1.0;
    const int Steps = 12, Warmup = 3;

    static BertConfig Config => new()
    {
        VocabSize = 120, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 64,
        MaxPositionEmbeddings = 32, HiddenDropoutProb = 0, AttentionProbsDropoutProb = 0, Labels = BertConfig.DefaultLabels(3),
    };

    /// <summary>HF's <c>get_linear_schedule_with_warmup</c> multiplier, written from its definition.</summary>
    static double HfLinearWarmup(int step) =>
        step < Warmup ? (double)step / Math.Max(1, Warmup) : Math.Max(0.0, (double)(Steps - step) / Math.Max(1, Steps - Warmup));

    /// <summary>HF Trainer's rule: biases and LayerNorm weights are not decayed.</summary>
    static bool Decays(string name) => !(name.EndsWith(".bias", StringComparison.Ordinal) || name.Contains("LayerNorm", StringComparison.Ordinal));

    [Fact]
    [Trait("Speed", "Fast")]
    public void TwelveStepsWithDecayWarmupAndClippingMatchTorchOptimAdamW()
    {
        manual_seed(1234);
        using var ours = new BertForSequenceClassification(Config);
        using var theirs = new BertForSequenceClassification(Config);
        theirs.load_state_dict(ours.state_dict());
        ours.train();
        theirs.train();
        // The key bias adds the same q·b to every score of a row, which softmax ignores: its gradient is rounding noise
        // (~1e-9) that Adam normalises to full-size steps, so the two runs could only agree by chance. Freeze it.
        foreach (var m in new[] { ours, theirs })
            foreach (var (name, p) in m.named_parameters())
                if (name.EndsWith("attention.self.key.bias", StringComparison.Ordinal)) p.requires_grad = false;

        using var opt = new AdamW(ours.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: WeightDecay, decays: AdamW.DecaysByDefault);
        var schedule = new LinearWarmupSchedule(PeakLr, Warmup, Steps);
        var named = theirs.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        using var reference = torch.optim.AdamW(new[]
        {
            new TorchAdamW.ParamGroup(named.Where(p => Decays(p.name)).Select(p => p.parameter), new TorchAdamW.Options { weight_decay = WeightDecay }),
            new TorchAdamW.ParamGroup(named.Where(p => !Decays(p.name)).Select(p => p.parameter), new TorchAdamW.Options { weight_decay = 0.0 }),
        }, lr: PeakLr);
        var scheduler = torch.optim.lr_scheduler.LambdaLR(reference, HfLinearWarmup);
        Assert.Contains(named, p => !Decays(p.name));

        var data = new Generator(99);
        int clipped = 0;
        for (int step = 0; step < Steps; step++)
        {
            using var scope = NewDisposeScope();
            var ids = randint(1, Config.VocabSize, [4, 10], generator: data);
            var mask = ones(4, 10, ScalarType.Int64);
            mask[0, TensorIndex.Slice(7)] = tensor(0L); // some padding
            var types = zeros(4, 10, ScalarType.Int64);
            var labels = randint(0, Config.NumLabels, [4], generator: data);

            nn.functional.cross_entropy(ours.Forward(ids, mask, types), labels).backward();
            double ourNorm = opt.ClipGradNorm(MaxGradNorm);
            double lr = schedule.At(step);
            opt.Step(lr);
            opt.ZeroGrad();

            nn.functional.cross_entropy(theirs.Forward(ids, mask, types), labels).backward();
            double theirNorm = torch.nn.utils.clip_grad_norm_(theirs.parameters(), MaxGradNorm);
            AssertClose.Equal(reference.ParamGroups.First().LearningRate, lr, abs: 1e-15, rel: 1e-12, what: $"learning rate at step {step}");
            reference.step();
            scheduler.step();
            reference.zero_grad();

            AssertClose.Equal(theirNorm, ourNorm, rel: 1e-5, what: $"gradient norm at step {step}");
            if (theirNorm > MaxGradNorm) clipped++;
            AssertSameParameters(ours, theirs, step);
        }
        // The comparison covered both clipped and unclipped steps, and the run moved the weights well beyond the tolerance.
        Assert.InRange(clipped, 1, Steps - 1);
        manual_seed(1234);
        using var initial = new BertForSequenceClassification(Config);
        var moved = ours.named_parameters().Zip(initial.named_parameters())
            .Max(p => (p.First.parameter - p.Second.parameter).abs().max().item<float>());
        Assert.True(moved > 1e-2, $"largest weight change {moved}");
    }

    static void AssertSameParameters(BertForSequenceClassification ours, BertForSequenceClassification theirs, int step)
    {
        // 1e-6 relative to each element, with a floor of 1e-6 of the tensor's largest magnitude: a weight that crossed
        // zero carries float32 rounding of the tensor's scale, not of its own.
        foreach (var ((name, a), (_, b)) in ours.named_parameters().Zip(theirs.named_parameters()))
        {
            double scale = b.detach().abs().max().item<float>();
            AssertClose.All(b.detach().data<float>().ToArray(), a.detach().data<float>().ToArray(), abs: 1e-6 * scale, rel: 1e-6, what: $"{name} after step {step + 1}");
        }
    }
}
