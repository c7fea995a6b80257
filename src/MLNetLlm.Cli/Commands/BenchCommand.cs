using System.CommandLine;
using MLNetLlm.Cli.Commands.Bench;

namespace MLNetLlm.Cli.Commands;

/// <summary>
/// <c>mlnet-llm bench</c>: the performance runs of docs/benchmarks.md, one entry point over the libraries' benchmark
/// classes (never part of the test suite). Every result line carries the date and load average.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext context) => new("bench", "Benchmarks (docs/benchmarks.md): torch, data, tuners, automl, trees, payoff, compression, distill, chinese, embedding, continual, memory.")
    {
        TorchBench.Create(context.Out, context.Guard),
        DataBench.Create(context),
        AutoMLBench.Tuners(context),
        AutoMLBench.Spam(context),
        AutoMLBench.Trees(context),
        PayoffBench.Create(context),
        CompressionBench.Create(context),
        DistillationBench.Create(context),
        ChineseBench.Create(context),
        EmbeddingBench.Create(context),
        ContinualBench.Create(context),
        MemoryBench.Create(context),
    };
}
