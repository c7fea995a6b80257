using MLNetLlm.Torch;
namespace MLNetLlm.Benchmarks.Torch;

/// <summary>Numeric mode of a benchmark run.</summary>
public enum BenchmarkPrecision
{
    /// <summary>float32 everywhere (TF32 tensor cores off on CUDA).</summary>
    Float32,
    /// <summary>float32 weights, TF32 matrix products on CUDA (Ampere and newer).</summary>
    TF32,
    /// <summary>float32 master weights, bfloat16 matrix products (explicit mixed precision) and SDPA.</summary>
    BFloat16,
}
