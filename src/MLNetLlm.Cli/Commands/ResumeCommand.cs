using System.CommandLine;
using MLNetLlm.Cli.Training;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm resume</c>: continue an AutoML run that keeps its trials in --storage.</summary>
internal static class ResumeCommand
{
    /// <summary>How a resumed run treats its output folder: it holds the run being resumed.</summary>
    public static TrainingRun.OutputPolicy Policy { get; } = new(Resuming: true);

    /// <summary>
    /// The run in <paramref name="folder"/>, ready to continue under <paramref name="policy"/>: what <c>resume</c> runs
    /// (with <see cref="Policy"/>), and what the UI's Resume button runs too.
    /// </summary>
    /// <exception cref="CliException">When the folder holds no resumable run.</exception>
    public static RunConfig Prepare(string folder, ResumePolicy policy, out string announcement) => policy.Apply(folder, out announcement);

    public static Command Create(CliContext context)
    {
        var folder = new Option<string>("--output", "-o") { Description = "The output folder of the run to continue (it holds run.json).", Required = true };
        var trainTime = new Option<double?>("--train-time") { Description = "A new time budget in seconds for this session." };
        var maxTrials = new Option<int?>("--max-trials") { Description = "A new trial limit for the whole study (earlier trials count)." };
        var command = new Command("resume", "Continue an interrupted or finished AutoML run from its storage: finished trials are kept, the search goes on.")
        {
            folder, trainTime, maxTrials,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            var run = Prepare(parse.GetValue(folder)!, new ResumePolicy(parse.GetValue(trainTime), parse.GetValue(maxTrials)), out string announcement);
            context.Out.WriteLine(announcement);
            return TrainCommand.Execute(context, run, Policy);
        }));
        return command;
    }
}
