using MLNetLlm.Cli.Evaluation;

namespace MLNetLlm.Cli.Compression;

/// <summary>
/// One side of the comparison: a model file's size, its latency at batch 1 and 32 (null when not timed) and, with
/// test data, its metrics. <see cref="Batch1Milliseconds"/>/<see cref="Batch32Milliseconds"/> are the medians.
/// </summary>
internal sealed record ModelMeasurement(string Model, long Bytes, LatencyStats? Batch1, LatencyStats? Batch32, MetricsReport? Metrics)
{
    public double? Batch1Milliseconds => Batch1?.Median;

    public double? Batch32Milliseconds => Batch32?.Median;
}
