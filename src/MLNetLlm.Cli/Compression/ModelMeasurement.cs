using MLNetLlm.Cli.Evaluation;

namespace MLNetLlm.Cli.Compression;

/// <summary>One side of the comparison: a model file's size, its latency and (with test data) its metrics.</summary>
internal sealed record ModelMeasurement(string Model, long Bytes, double? Batch1Milliseconds, double? Batch32Milliseconds, MetricsReport? Metrics);
