// The GPU runner: `mlnet-llm bench torch` (cpu | gpu | spam) without the rest of the CLI, so it publishes
// framework-dependent with only Microsoft.NETCore.App (the CLI also needs ASP.NET Core for `serve`, which the lent GPU
// machine's packed runtime lacks). The command itself is the CLI's, compiled in from src/MLNetLlm.Cli.
//   bash ../shared/gpu/pack.sh bench/MLNetLlm.Bench/MLNetLlm.Bench.csproj
//   on the device:  bash .gpu/run.sh torch gpu --device cuda --steps 20   (the same words as `mlnet-llm bench torch gpu ...`)
// Everywhere else use the CLI: dotnet run -c Release --project src/MLNetLlm.Cli -- bench torch cpu|gpu|spam ...
using System.CommandLine;
using MLNetLlm.Cli.Commands.Bench;

var torch = TorchBench.Create(Console.Out, body =>
{
    try { return body(); }
    catch (Exception ex) when (ex is not OutOfMemoryException)
    {
        Console.Error.WriteLine($"mlnet-llm bench: error: {ex.Message}");
        return 1;
    }
});
return new RootCommand("mlnet-llm bench, TorchSharp part only") { torch }.Parse(args).Invoke();
