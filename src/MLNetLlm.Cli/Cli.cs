using System.CommandLine;
using MLNetLlm.Cli.Commands;

namespace MLNetLlm.Cli;

/// <summary>The <c>mlnet-llm</c> command line, callable in-process: <see cref="Run"/> is what <c>Main</c> calls.</summary>
internal static class Cli
{
    /// <summary>Parses and runs one command line; returns the process exit code (0 = success).</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="output">Where results and progress go (stdout).</param>
    /// <param name="error">Where errors go (stderr): one line per problem.</param>
    /// <param name="input">What <c>predict</c> reads when no input file is given (stdin).</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, TextReader? input = null)
    {
        var context = new CliContext(output, error, input ?? TextReader.Null);
        var root = new RootCommand("mlnet-llm: train, evaluate, serve and use ML.NET text models from the command line.")
        {
            TrainCommand.Create(context),
            UpdateCommand.Create(context),
            EvaluateCommand.Create(context),
            PredictCommand.Create(context),
            EmbedCommand.Create(context),
            ServeCommand.Create(context),
            CleanCommand.Create(context),
            AugmentCommand.Create(context),
            ResumeCommand.Create(context),
            CompressCommand.Create(context),
            BenchCommand.Create(context),
            ModelsCommand.Create(context),
            AuditCommand.Create(context),
            GuardCommand.Create(context),
            UiCommand.Create(context),
        };
        var parsed = root.Parse(args);
        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
    }
}
