using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Models;

/// <summary>
/// How a model computes, shared by all its layers: the low-precision dtype for matrix products (explicit mixed
/// precision, since TorchSharp has no autocast: weights stay float32, inputs and weights are cast per product and the
/// result is cast back, so LayerNorm, softmax and the loss stay float32), whether attention uses fused SDPA, and the
/// model's own dropout generator: dropout masks are drawn from it rather than from libtorch's process-wide generator,
/// so a seeded training run gives the same weights while other code in the process trains or seeds concurrently.
/// </summary>
internal sealed class ComputeSettings : IDisposable
{
    Generator? _dropoutGenerator;

    /// <summary>BFloat16 (or Float16) for matrix products, or null for float32 everywhere.</summary>
    public ScalarType? LowPrecision { get; set; }

    /// <summary>Use <c>scaled_dot_product_attention</c> (flash/memory-efficient kernels on CUDA) instead of explicit softmax attention.</summary>
    public bool UseSdpa { get; set; }

    /// <summary>
    /// Inference (eval mode, no autograd) uses <c>scaled_dot_product_attention</c> on every device (default true): on CPU
    /// libtorch's blocked kernel avoids materialising the [B, heads, T, T] scores; training keeps explicit attention
    /// (seeded dropout masks) unless <see cref="UseSdpa"/>.
    /// </summary>
    public bool FusedInference { get; set; } = true;

    /// <summary>The choice for a device: bf16 + SDPA on CUDA when <paramref name="mixedPrecision"/>, float32 + explicit attention on CPU.</summary>
    public static ComputeSettings For(Device device, bool mixedPrecision) => new()
    {
        LowPrecision = device.type == DeviceType.CUDA && mixedPrecision ? ScalarType.BFloat16 : null,
        UseSdpa = device.type == DeviceType.CUDA,
    };

    /// <summary>The same precision and attention choice for another model, with a dropout generator of its own.</summary>
    public ComputeSettings Copy() => new() { LowPrecision = LowPrecision, UseSdpa = UseSdpa, FusedInference = FusedInference };

    /// <summary>Seeds the model's dropout generator (on <paramref name="device"/>, where the masks are drawn).</summary>
    public void SeedDropout(long seed, Device device)
    {
        if (_dropoutGenerator is null || _dropoutGenerator.device.type != device.type || _dropoutGenerator.device.index != device.index)
        {
            _dropoutGenerator?.Dispose();
            _dropoutGenerator = new Generator((ulong)seed, device);
        }
        else _dropoutGenerator.manual_seed(seed);
    }

    /// <summary>
    /// Inverted dropout: zeroes each element with probability <paramref name="p"/> and scales the rest by 1/(1−p) when
    /// <paramref name="training"/>. Masks come from the generator set by <see cref="SeedDropout"/>; before the first
    /// seeding (a model trained outside the fine-tuning loop) they come from libtorch's global generator.
    /// </summary>
    public Tensor Dropout(Tensor x, double p, bool training)
    {
        if (!training || p <= 0) return x;
        if (_dropoutGenerator is null) return nn.functional.dropout(x, p, training);
        if (p >= 1) return x * 0;
        // A Boolean keep-mask (1 byte per element, what autograd keeps for backward, as PyTorch's own dropout does),
        // then the 1/(1-p) scale in place on the product.
        using var draw = rand(x.shape, ScalarType.Float32, x.device, generator: _dropoutGenerator);
        using var keep = draw.ge(p);
        var y = x * keep;
        return y.mul_(1.0 / (1.0 - p));
    }

    public void Dispose()
    {
        _dropoutGenerator?.Dispose();
        _dropoutGenerator = null;
    }

    public Tensor Linear(TorchSharp.Modules.Linear layer, Tensor x)
    {
        if (LowPrecision is not ScalarType lp) return layer.forward(x);
        using var bias = layer.bias is null ? null : layer.bias.to_type(lp);
        using var xl = x.to_type(lp);
        using var w = layer.weight!.to_type(lp);
        using var y = nn.functional.linear(xl, w, bias);
        return y.to_type(ScalarType.Float32);
    }
}
