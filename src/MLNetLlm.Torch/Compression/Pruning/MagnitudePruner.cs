using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Pruning;

/// <summary>
/// Unstructured magnitude pruning of Linear weights: the smallest |w| are set to zero and kept at zero by masks that
/// <see cref="ApplyMasks"/> re-applies after every optimizer step while fine-tuning.
/// </summary>
/// <remarks>
/// Sparsity is exact: of n weights in scope, ⌊sparsity·n⌋ are zeroed (ties broken by position), per matrix or over all
/// matrices together (<see cref="PruningScope"/>). Biases, LayerNorms and embeddings are never pruned.
/// </remarks>
public sealed class MagnitudePruner
{
    private readonly List<(string Name, Linear Layer)> _layers;
    private readonly Dictionary<string, Tensor> _masks = new(StringComparer.Ordinal);

    private MagnitudePruner(List<(string, Linear)> layers, PruningScope scope)
    {
        _layers = layers;
        Scope = scope;
    }

    /// <summary>The ranking scope.</summary>
    public PruningScope Scope { get; }

    /// <summary>Names of the Linear modules in scope.</summary>
    public IReadOnlyList<string> LayerNames => _layers.Select(l => l.Name).ToList();

    /// <summary>
    /// Prunes the Linear modules of <paramref name="model"/> whose name passes <paramref name="include"/> (default: all
    /// except names containing <c>classifier</c> or <c>pooler</c>, whose few weights matter most).
    /// </summary>
    public static MagnitudePruner Create(nn.Module model, PruningScope scope = PruningScope.Global, Func<string, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        include ??= name => !name.Contains("classifier", StringComparison.Ordinal) && !name.Contains("pooler", StringComparison.Ordinal);
        var layers = model.named_modules().Where(m => m.module is Linear && include(m.name)).Select(m => (m.name, (Linear)m.module)).ToList();
        if (layers.Count == 0) throw new ArgumentException("The model has no Linear layer to prune (after the name filter).", nameof(model));
        return new MagnitudePruner(layers, scope);
    }

    /// <summary>Creates a pruner over explicit Linear modules.</summary>
    public static MagnitudePruner Create(IEnumerable<(string Name, Linear Layer)> layers, PruningScope scope = PruningScope.Global)
    {
        var list = layers.ToList();
        if (list.Count == 0) throw new ArgumentException("No Linear layer to prune.", nameof(layers));
        return new MagnitudePruner(list, scope);
    }

    /// <summary>Zeroes the smallest weights so that <paramref name="sparsity"/> of them are zero; returns the achieved sparsity.</summary>
    /// <remarks>Already-zero (pruned) weights rank first, so masks only grow when sparsity rises step by step.</remarks>
    public double Prune(double sparsity)
    {
        if (double.IsNaN(sparsity) || sparsity < 0 || sparsity >= 1)
            throw new ArgumentOutOfRangeException(nameof(sparsity), sparsity, "Sparsity must be in [0, 1).");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        if (Scope == PruningScope.PerLayer)
        {
            foreach (var (name, layer) in _layers) SetMask(name, layer, RankMask(layer.weight!.abs().flatten(), sparsity).reshape(layer.weight!.shape));
        }
        else
        {
            var all = cat(_layers.Select(l => l.Layer.weight!.abs().flatten()).ToArray());
            var mask = RankMask(all, sparsity);
            long offset = 0;
            foreach (var (name, layer) in _layers)
            {
                long n = layer.weight!.numel();
                SetMask(name, layer, mask.narrow(0, offset, n).reshape(layer.weight!.shape));
                offset += n;
            }
        }
        ApplyMasks();
        return Sparsity();
    }

    /// <summary>Multiplies every pruned weight by its mask (call after each optimizer step while fine-tuning).</summary>
    public void ApplyMasks()
    {
        using var _ = no_grad();
        foreach (var (name, layer) in _layers)
            if (_masks.TryGetValue(name, out var mask)) layer.weight!.mul_(mask);
    }

    /// <summary>Fraction of weights in scope that are exactly zero.</summary>
    public double Sparsity()
    {
        using var scope = NewDisposeScope();
        long zeros = 0, total = 0;
        foreach (var (_, layer) in _layers)
        {
            zeros += layer.weight!.eq(0).sum().item<long>();
            total += layer.weight!.numel();
        }
        return (double)zeros / total;
    }

    /// <summary>Fraction of zero weights per layer.</summary>
    public IReadOnlyDictionary<string, double> LayerSparsity()
    {
        using var scope = NewDisposeScope();
        return _layers.ToDictionary(l => l.Name, l => (double)l.Layer.weight!.eq(0).sum().item<long>() / l.Layer.weight!.numel());
    }

    private void SetMask(string name, Linear layer, Tensor mask)
    {
        var m = mask.to(layer.weight!.dtype).to(layer.weight!.device).detach().MoveToOuterDisposeScope();
        if (_masks.Remove(name, out var old)) old.Dispose();
        _masks[name] = m;
    }

    /// <summary>1 for kept, 0 for the ⌊sparsity·n⌋ smallest values (stable: earlier position first among ties).</summary>
    private static Tensor RankMask(Tensor magnitudes, double sparsity)
    {
        long n = magnitudes.numel();
        long k = (long)Math.Floor(sparsity * n);
        var mask = ones(n, dtype: ScalarType.Bool, device: magnitudes.device);
        if (k == 0) return mask;
        var (_, order) = magnitudes.sort(0, false, true);
        mask.index_put_(tensor(false, device: magnitudes.device), order.narrow(0, 0, k));
        return mask;
    }
}
