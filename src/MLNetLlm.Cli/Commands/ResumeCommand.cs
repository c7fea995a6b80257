using System.CommandLine;
using MLNetLlm.Cli.Training;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm resume</c>: continue an AutoML run that keeps its trials in --storage.</summary>
internal static class ResumeCommand
{
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
            string dir = parse.GetValue(folder)!;
            string config = Path.Combine(dir, RunConfig.FileName);
            if (!File.Exists(config)) throw new CliException($"'{dir}' holds no {RunConfig.FileName}: it is not the output folder of a train run.");
            var run = RunConfig.Load(config);
            run.Output = dir; // the folder may have moved since; a storage inside it is found from here
            if (!run.IsAutoML || run.Storage == null)
                throw new CliException($"The run in '{dir}' has no AutoML storage (--storage), so there is nothing to resume; run train --config {config} to repeat it.");
            if (parse.GetValue(trainTime) is { } t) run.TrainTimeSeconds = t;
            if (parse.GetValue(maxTrials) is { } m) run.MaxTrials = m;
            context.Out.WriteLine($"Resuming study '{run.Study ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(run.Output!)))}' from {(RunConfig.IsConnectionString(run.Storage) ? "PostgreSQL" : run.ResolvedStorage())}" +
                (run.MaxTrials is { } n ? $" up to {n} trials" : "") + (run.TrainTimeSeconds is { } s ? $", {s:0.#}s budget" : ""));
            return TrainCommand.Execute(context, run, new TrainingRun.OutputPolicy(Resuming: true));
        }));
        return command;
    }
}
