using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Continual;
using MLNetLlm.Torch.Training;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Continual;

public sealed class ElasticWeightConsolidationTests
{
    static float[] Values(Tensor t) => t.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();

    [Fact]
    public void PenaltyAndItsGradientEqualTheHandComputedFormulaOnTheFixture()
    {
        var (model, _, _) = HuggingFaceCheckpoint.Load(HfFixture.Dir, CPU);
        using var _m = model;
        var random = new Random(5);
        var fisher = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var anchor = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in model.named_parameters())
        {
            int n = (int)p.numel();
            fisher[name] = tensor(Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray()).reshape(p.shape);
            anchor[name] = (p.detach().cpu() + tensor(Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f).ToArray()).reshape(p.shape)).contiguous();
        }
        using var state = new ContinualState(fisher, anchor, rounds: 1, fisherRows: 1, memoryReference: null);
        const double lambda = 7.5;
        using var ewc = new ElasticWeightConsolidation(model, state, lambda);
        model.zero_grad();
        var penalty = ewc.Penalty();
        penalty.backward();

        double expectedPenalty = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            var theta = Values(p);
            var f = Values(fisher[name]);
            var a = Values(anchor[name]);
            var expectedGrad = new double[theta.Length];
            for (int i = 0; i < theta.Length; i++)
            {
                double d = (double)theta[i] - a[i];
                expectedPenalty += lambda / 2 * f[i] * d * d;
                expectedGrad[i] = lambda * f[i] * d;
            }
            using var g = p.grad!;
            AssertClose.All(expectedGrad, Values(g).Select(x => (double)x).ToArray(), abs: 1e-6, rel: 1e-5);
        }
        AssertClose.Equal(expectedPenalty, penalty.item<float>(), abs: 0, rel: 1e-4);
    }

    [Fact]
    public void FisherOfTheHeadEqualsTheClosedFormPerRowGradient()
    {
        // For cross-entropy, ∂(−log p_y)/∂W = (p − e_y) hᵀ and ∂/∂b = p − e_y, with h the pooled output: the Fisher of
        // the classifier is the mean of their squares over the rows, computed here from the pooled outputs alone.
        var (model, tokenizer, _) = HuggingFaceCheckpoint.Load(HfFixture.Dir, CPU);
        using var _m = model;
        int k = HfFixture.Config.NumLabels;
        var texts = HfFixture.Sentences;
        var targets = texts.Select((_, i) => (float)(i % k)).ToArray();
        var rows = new TrainingRows(texts, null, targets);
        var target = new FineTuningTarget(model, tokenizer, HfFixture.MaxLength, CPU, TextTask.Multiclass);
        var fisher = ElasticWeightConsolidation.Fisher(target, rows, samples: texts.Length, seed: 1);

        model.eval();
        var w = Values(model.Classifier.weight!);
        var b = Values(model.Classifier.bias!);
        int hidden = HfFixture.Config.HiddenSize;
        var fw = new double[k * hidden];
        var fb = new double[k];
        for (int n = 0; n < texts.Length; n++)
        {
            using var scope = NewDisposeScope();
            using var _g = no_grad();
            var (ids, mask, types) = tokenizer.Collate([tokenizer.EncodeRow(texts[n], null, HfFixture.MaxLength)]).ToTensors();
            var h = Values(model.Bert.Forward(ids, mask, types, null).Pooled);
            var z = new double[k];
            for (int c = 0; c < k; c++) { z[c] = b[c]; for (int j = 0; j < hidden; j++) z[c] += (double)w[c * hidden + j] * h[j]; }
            double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
            for (int c = 0; c < k; c++)
            {
                double r = Math.Exp(z[c] - max) / sum - (c == (int)targets[n] ? 1 : 0);
                fb[c] += r * r / texts.Length;
                for (int j = 0; j < hidden; j++) fw[c * hidden + j] += r * r * h[j] * h[j] / texts.Length;
            }
        }
        AssertClose.All(fb, Values(fisher["classifier.bias"]).Select(x => (double)x).ToArray(), abs: 1e-9, rel: 1e-4);
        AssertClose.All(fw, Values(fisher["classifier.weight"]).Select(x => (double)x).ToArray(), abs: 1e-9, rel: 1e-4);
        Assert.Equal(model.named_parameters().Count(), fisher.Count);
        foreach (var t in fisher.Values) t.Dispose();
    }
}
