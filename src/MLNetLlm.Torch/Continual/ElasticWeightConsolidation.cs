using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Continual;

/// <summary>
/// Elastic weight consolidation (Kirkpatrick et al. 2017) with the diagonal empirical Fisher: the penalty
/// λ/2 · Σᵢ Fᵢ (θᵢ − θ*ᵢ)² added to the task loss keeps the weights that mattered for earlier tasks near their old values.
/// Its gradient is λ · Fᵢ (θᵢ − θ*ᵢ).
/// </summary>
internal sealed class ElasticWeightConsolidation : IDisposable
{
    readonly List<(Parameter P, Tensor F, Tensor Anchor)> _terms = [];

    /// <summary>The penalty of <paramref name="state"/> on <paramref name="model"/>'s parameters (copied to their device).</summary>
    public ElasticWeightConsolidation(nn.Module model, ContinualState state, double lambda)
    {
        Lambda = lambda;
        foreach (var (name, p) in model.named_parameters())
        {
            if (!p.requires_grad || !state.Fisher.TryGetValue(name, out var f)) continue;
            _terms.Add((p, f.to(p.device).detach(), state.Anchor[name].to(p.device).detach()));
        }
        if (_terms.Count == 0) throw new ArgumentException("The stored Fisher names none of the model's trainable parameters.");
    }

    public double Lambda { get; }

    /// <summary>λ/2 · Σ F (θ − θ*)² as a scalar tensor (float32) with a gradient.</summary>
    public Tensor Penalty()
    {
        Tensor? sum = null;
        foreach (var (p, f, a) in _terms)
        {
            var term = (f * (p - a).square()).sum();
            sum = sum is null ? term : sum + term;
        }
        return sum! * (Lambda / 2);
    }

    /// <summary>
    /// The diagonal empirical Fisher of <paramref name="target"/> on <paramref name="rows"/> (classification):
    /// Fᵢ = (1/N) Σₙ (∂ log p(yₙ | xₙ; θ) / ∂θᵢ)², one backward pass per row, in eval mode (no dropout), over a seeded
    /// sample of at most <paramref name="samples"/> rows. Float32 tensors on the CPU per trainable parameter; the
    /// model's gradients are left zeroed.
    /// </summary>
    public static Dictionary<string, Tensor> Fisher(FineTuningTarget target, TrainingRows rows, int samples, int seed)
    {
        if (target.Task == TextTask.Regression) throw new NotSupportedException("The Fisher is computed for classification models.");
        if (rows.Count == 0) throw new ArgumentException("The Fisher needs at least one row.");
        var model = target.Model;
        var pick = ReservoirSampler.Sample(rows.Count, samples, new Random(unchecked(seed * 92821 + 3)));
        var parameters = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        var sums = parameters.ToDictionary(p => p.name, p => zeros_like(p.parameter, dtype: ScalarType.Float32).detach(), StringComparer.Ordinal);
        bool training = model.training;
        model.eval();
        try
        {
            model.zero_grad();
            foreach (int i in pick)
            {
                using var scope = NewDisposeScope();
                var row = target.Tokenizer.EncodeRow(rows.Texts[i], rows.Pairs?[i], target.MaxLength);
                var (ids, mask, types) = target.Tokenizer.Collate([row]).ToTensors(target.Device);
                var logits = model.Forward(ids, mask, types).to_type(ScalarType.Float32);
                var nll = nn.functional.cross_entropy(logits, tensor(new[] { (long)rows.Targets[i] }, device: target.Device));
                nll.backward();
                using (no_grad())
                    foreach (var (name, p) in parameters)
                    {
                        using var g = p.grad;
                        if (g is null) continue;
                        sums[name].add_(g.to_type(ScalarType.Float32).square());
                        g.zero_();
                    }
            }
        }
        finally
        {
            model.zero_grad();
            if (training) model.train();
        }
        foreach (var (name, s) in sums.ToList())
        {
            var cpu = s.div(pick.Length).cpu().detach();
            s.Dispose();
            sums[name] = cpu;
        }
        return sums;
    }

    /// <summary>A copy of the model's trainable weights on the CPU (the anchor of the next round).</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad)
            .ToDictionary(p => p.name, p => p.parameter.detach().to_type(ScalarType.Float32).cpu().clone(), StringComparer.Ordinal);

    public void Dispose()
    {
        foreach (var (_, f, a) in _terms) { f.Dispose(); a.Dispose(); }
    }
}
