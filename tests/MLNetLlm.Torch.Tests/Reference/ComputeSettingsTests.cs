using MLNetLlm.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Reference;

/// <summary>
/// The model's own dropout against inverted dropout written from its definition with libtorch's uniform draws from an
/// equally seeded generator (keep where u ≥ p, scale the kept by 1/(1 − p)), and mixed precision's linear layer against
/// libtorch's linear on operands rounded to bfloat16.
/// </summary>
public sealed class ComputeSettingsTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void SeededDropoutKeepsWhereTheUniformDrawIsAtLeastPAndScalesByOneOverOneMinusP(double p)
    {
        using var compute = new ComputeSettings();
        compute.SeedDropout(42, CPU);
        using var x = arange(1, 2001, dtype: ScalarType.Float32).reshape(40, 50);
        using var y = compute.Dropout(x, p, training: true);

        using var g = new Generator(42, CPU);
        using var u = rand(x.shape, ScalarType.Float32, CPU, generator: g);
        var draws = u.data<float>().ToArray();
        var xs = x.data<float>().ToArray();
        var ys = y.data<float>().ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            double expected = draws[i] >= p ? xs[i] / (1 - p) : 0;
            Assert.True(Math.Abs(ys[i] - expected) <= 1e-6 * Math.Abs(expected), $"p = {p}, element {i}: {ys[i]} vs {expected}");
        }

        // re-seeding draws the same masks again; the next call without re-seeding draws new ones
        compute.SeedDropout(42, CPU);
        using var again = compute.Dropout(x, p, training: true);
        Assert.Equal(ys, again.data<float>().ToArray());
        using var next = compute.Dropout(x, p, training: true);
        Assert.NotEqual(ys, next.data<float>().ToArray());
    }

    [Fact]
    public void NoDropoutInEvaluationOrAtZeroAndEverythingDroppedAtOne()
    {
        using var compute = new ComputeSettings();
        using var x = ones(4, 5);
        Assert.Same(x, compute.Dropout(x, 0.5, training: false));
        Assert.Same(x, compute.Dropout(x, 0.0, training: true));
        Assert.Same(x, compute.Dropout(x, -0.1, training: true));
        compute.SeedDropout(1, CPU);
        using var all = compute.Dropout(x, 1.0, training: true);
        Assert.All(all.data<float>().ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal([4L, 5], all.shape);
    }

    [Fact]
    public void BeforeSeedingDropoutComesFromLibtorchsGlobalGenerator()
    {
        using var compute = new ComputeSettings();
        using var x = ones(100, 100);
        torch.manual_seed(3);
        using var a = compute.Dropout(x, 0.3, training: true);
        torch.manual_seed(3);
        using var b = nn.functional.dropout(x, 0.3, true);
        Assert.Equal(b.data<float>().ToArray(), a.data<float>().ToArray());
    }

    [Fact]
    public void LowPrecisionLinearRoundsOperandsToBFloat16AndReturnsFloat32()
    {
        using var g = new Generator(7, CPU);
        using var layer = nn.Linear(16, 8);
        using (no_grad())
        {
            layer.weight!.copy_(randn(8, 16, generator: g));
            layer.bias!.copy_(randn(8, generator: g));
        }
        using var x = randn(3, 16, generator: g);
        using var compute = new ComputeSettings { LowPrecision = ScalarType.BFloat16 };
        using var y = compute.Linear(layer, x);
        Assert.Equal(ScalarType.Float32, y.dtype);
        using var xr = x.to_type(ScalarType.BFloat16);
        using var wr = layer.weight!.to_type(ScalarType.BFloat16);
        using var br = layer.bias!.to_type(ScalarType.BFloat16);
        using var reference = nn.functional.linear(xr, wr, br).to_type(ScalarType.Float32);
        Assert.Equal(reference.data<float>().ToArray(), y.data<float>().ToArray());
        using var full = layer.forward(x);
        Assert.True(full.sub(y).abs().max().item<float>() > 0, "bf16 rounding shows against float32");

        using var plain = new ComputeSettings();
        using var y32 = plain.Linear(layer, x);
        Assert.Equal(full.data<float>().ToArray(), y32.data<float>().ToArray());

        // without a bias
        using var noBias = nn.Linear(16, 8, hasBias: false);
        using var yn = compute.Linear(noBias, x);
        using var wn = noBias.weight!.to_type(ScalarType.BFloat16);
        using var refNoBias = nn.functional.linear(xr, wn).to_type(ScalarType.Float32);
        Assert.Equal(refNoBias.data<float>().ToArray(), yn.data<float>().ToArray());
    }

    [Fact]
    public void TheChoiceForACpuIsFloat32WithExplicitAttentionAndCopiesKeepTheChoice()
    {
        using var cpu = ComputeSettings.For(CPU, mixedPrecision: true);
        Assert.Null(cpu.LowPrecision);
        Assert.False(cpu.UseSdpa);
        Assert.True(cpu.FusedInference);
        // on CUDA (the choice reads only the device type: no GPU needed): fused attention, bf16 when mixed precision is on
        var cuda = new Device(DeviceType.CUDA, 0);
        using var mixed = ComputeSettings.For(cuda, mixedPrecision: true);
        Assert.Equal((ScalarType?)ScalarType.BFloat16, mixed.LowPrecision);
        Assert.True(mixed.UseSdpa);
        using var full = ComputeSettings.For(cuda, mixedPrecision: false);
        Assert.Null(full.LowPrecision);
        Assert.True(full.UseSdpa);
        using var custom = new ComputeSettings { LowPrecision = ScalarType.BFloat16, UseSdpa = true, FusedInference = false };
        using var copy = custom.Copy();
        Assert.Equal((ScalarType?)ScalarType.BFloat16, copy.LowPrecision);
        Assert.True(copy.UseSdpa);
        Assert.False(copy.FusedInference);
    }
}
