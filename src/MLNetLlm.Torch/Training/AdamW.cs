using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Training;

/// <summary>
/// AdamW with decoupled weight decay (Loshchilov &amp; Hutter), the update of <c>torch.optim.AdamW</c>:
/// <c>p ← p·(1 − lr·wd)</c>, then <c>p ← p − lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + ε)</c>. Weight decay can be skipped per
/// parameter (HF's Trainer skips biases and LayerNorm weights), and a parameter's rate can be scaled (parameter groups:
/// a fresh head learns faster than the pretrained encoder). Its moments can be saved for checkpoint/resume.
/// </summary>
internal sealed class AdamW : IDisposable
{
    readonly List<(string Name, Parameter P, bool Decay, double LrScale)> _params;
    readonly Dictionary<string, (Tensor M, Tensor V)> _state = new(StringComparer.Ordinal);

    public AdamW(IEnumerable<(string Name, Parameter P)> parameters, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0.01, Func<string, bool>? decays = null, Func<string, double>? learningRateScale = null)
    {
        _params = parameters.Where(np => np.P.requires_grad)
            .Select(np => (np.Name, np.P, decays?.Invoke(np.Name) ?? true, learningRateScale?.Invoke(np.Name) ?? 1.0)).ToList();
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }
    public long StepCount { get; private set; }
    public IEnumerable<Parameter> Parameters => _params.Select(p => p.P);

    /// <summary>HF's default: no decay for biases and LayerNorm weights.</summary>
    public static bool DecaysByDefault(string name) =>
        !name.EndsWith(".bias", StringComparison.Ordinal) && !name.Contains("LayerNorm", StringComparison.Ordinal);

    public void Step(double lr)
    {
        StepCount++;
        double bc1 = 1 - Math.Pow(Beta1, StepCount), bc2 = 1 - Math.Pow(Beta2, StepCount);
        using var _ = no_grad();
        foreach (var (name, p, decay, scale) in _params)
        {
            using var scope = NewDisposeScope();
            // Every read of .grad is a new handle on the gradient: disposed with the scope, so a gradient released by
            // ZeroGrad is really freed rather than kept alive by a handle waiting for the garbage collector.
            double plr = lr * scale; // parameter groups: the head's rate is a multiple of the encoder's, on one schedule
            var g = p.grad;
            if (g is null) continue;
            if (!_state.TryGetValue(name, out var s))
            {
                s = (zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope());
                _state[name] = s;
            }
            if (decay && WeightDecay != 0) p.mul_(1 - plr * WeightDecay);
            s.M.mul_(Beta1).add_(g, alpha: 1 - Beta1);
            s.V.mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denom = (s.V.sqrt() / Math.Sqrt(bc2)).add_(Eps);
            p.addcdiv_(s.M, denom, value: -plr / bc1);
        }
    }

    /// <summary>
    /// Zeroes the gradients in place before the next accumulation (each handle read is disposed at once). Releasing them
    /// instead (PyTorch's <c>set_to_none</c>) would save MiniLM 91 MB at the forward peak, but made two seeded runs
    /// trained at the same time in one process differ in their word-embedding weights, so it is not done.
    /// </summary>
    public void ZeroGrad()
    {
        foreach (var (_, p, _, _) in _params)
        {
            using var g = p.grad;
            if (g is null) continue;
            g.detach_();
            g.zero_();
        }
    }

    /// <summary>Rescales gradients so their global L2 norm is at most <paramref name="maxNorm"/> (when positive); returns the norm before clipping.</summary>
    public double ClipGradNorm(double maxNorm)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var grads = _params.Select(p => p.P.grad).Where(g => g is not null).Select(g => g!).ToList();
        if (grads.Count == 0) return 0;
        var total = stack(grads.Select(g => g.norm().to_type(ScalarType.Float64)).ToArray()).norm();
        double norm = total.item<double>();
        if (maxNorm > 0)
        {
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1) foreach (var g in grads) g.mul_(coef);
        }
        return norm;
    }

    /// <summary>The moments as named tensors (<c>exp_avg.NAME</c>, <c>exp_avg_sq.NAME</c>), for a checkpoint.</summary>
    public Dictionary<string, Tensor> StateTensors()
    {
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, (m, v)) in _state) { d["exp_avg." + name] = m; d["exp_avg_sq." + name] = v; }
        return d;
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> tensors, long stepCount)
    {
        foreach (var (name, p, _, _) in _params)
        {
            if (tensors.TryGetValue("exp_avg." + name, out var m) && tensors.TryGetValue("exp_avg_sq." + name, out var v))
            {
                if (_state.Remove(name, out var old)) { old.M.Dispose(); old.V.Dispose(); }
                _state[name] = (m.to(p.device).to_type(p.dtype).clone().DetachFromDisposeScope(), v.to(p.device).to_type(p.dtype).clone().DetachFromDisposeScope());
            }
        }
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var (m, v) in _state.Values) { m.Dispose(); v.Dispose(); }
        _state.Clear();
    }
}
