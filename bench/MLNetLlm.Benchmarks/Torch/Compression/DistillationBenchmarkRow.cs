using MLNetLlm.Torch;
using MLNetLlm.Torch.Compression;
namespace MLNetLlm.Benchmarks.Torch.Compression;

/// <summary>One variant of <see cref="DistillationBenchmark"/>: size, latency and test quality.</summary>
public sealed record DistillationBenchmarkRow(string Variant, string Runtime, long ModelFileBytes, double Batch1Milliseconds,
    double Batch32Milliseconds, double Accuracy, double F1, TimeSpan TrainingTime);
