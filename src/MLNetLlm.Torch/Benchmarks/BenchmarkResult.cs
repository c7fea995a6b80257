namespace MLNetLlm.Torch.Benchmarks;

/// <summary>One measured configuration: rows (samples) per second over the timed steps.</summary>
public sealed record BenchmarkResult(
    string Name, string Kind, string Device, BenchmarkPrecision Precision, int BatchSize, int SequenceLength, int Threads,
    int Steps, double SamplesPerSecond, double MillisecondsPerStep)
{
    public override string ToString() =>
        $"{Name,-14} {Kind,-9} {Device,-6} {Precision,-8} batch {BatchSize,4} seq {SequenceLength,4} threads {Threads,2}: " +
        $"{SamplesPerSecond,9:F1} rows/s ({MillisecondsPerStep:F1} ms/step)";
}
