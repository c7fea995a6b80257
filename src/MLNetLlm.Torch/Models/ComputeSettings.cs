using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Models;

/// <summary>
/// How a model computes, shared by all its layers: the low-precision dtype for matrix products (explicit mixed
/// precision, since TorchSharp has no autocast: weights stay float32, inputs and weights are cast per product and the
/// result is cast back, so LayerNorm, softmax and the loss stay float32) and whether attention uses fused SDPA.
/// </summary>
internal sealed class ComputeSettings
{
    /// <summary>BFloat16 (or Float16) for matrix products, or null for float32 everywhere.</summary>
    public ScalarType? LowPrecision { get; set; }

    /// <summary>Use <c>scaled_dot_product_attention</c> (flash/memory-efficient kernels on CUDA) instead of explicit softmax attention.</summary>
    public bool UseSdpa { get; set; }

    /// <summary>The choice for a device: bf16 + SDPA on CUDA when <paramref name="mixedPrecision"/>, float32 + explicit attention on CPU.</summary>
    public static ComputeSettings For(Device device, bool mixedPrecision) => new()
    {
        LowPrecision = device.type == DeviceType.CUDA && mixedPrecision ? ScalarType.BFloat16 : null,
        UseSdpa = device.type == DeviceType.CUDA,
    };

    public Tensor Linear(TorchSharp.Modules.Linear layer, Tensor x)
    {
        if (LowPrecision is not ScalarType lp) return layer.forward(x);
        var bias = layer.bias is null ? null : layer.bias.to_type(lp);
        return nn.functional.linear(x.to_type(lp), layer.weight!.to_type(lp), bias).to_type(ScalarType.Float32);
    }
}
