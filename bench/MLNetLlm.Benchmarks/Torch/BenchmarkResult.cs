using MLNetLlm.Torch;
namespace MLNetLlm.Benchmarks.Torch;

/// <summary>
/// One measured configuration: rows (samples) per second over the timed steps, and the model FLOPs behind them.
/// </summary>
/// <param name="FlopsPerSample">Model FLOPs per sample of this kind of step: a forward pass costs 2 FLOPs per
/// multiply-accumulate of the encoder's matrix products (2 × weights × tokens, plus 4 × layers × hidden × sequence² for
/// attention's two batched products); a training step counts 3 forward passes (forward + backward).</param>
public sealed record BenchmarkResult(
    string Name, string Kind, string Device, BenchmarkPrecision Precision, int BatchSize, int SequenceLength, int Threads,
    int Steps, double SamplesPerSecond, double MillisecondsPerStep, double FlopsPerSample = 0)
{
    /// <summary>Achieved model TFLOP/s (FLOPs per sample × samples per second ÷ 10¹²).</summary>
    public double TeraFlopsPerSecond => FlopsPerSample * SamplesPerSecond / 1e12;

    /// <summary>Model FLOPs utilisation: achieved TFLOP/s over the device's dense peak for this precision.</summary>
    public double Mfu(double peakTeraFlops) => peakTeraFlops > 0 ? TeraFlopsPerSecond / peakTeraFlops : double.NaN;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name,-14} {Kind,-9} {Device,-6} {Precision,-8} batch {BatchSize,4} seq {SequenceLength,4} threads {Threads,2}: " +
        $"{SamplesPerSecond,9:F1} rows/s ({MillisecondsPerStep:F1} ms/step, {TeraFlopsPerSecond:F3} TFLOP/s)";
}
