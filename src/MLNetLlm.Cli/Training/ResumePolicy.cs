namespace MLNetLlm.Cli.Training;

/// <summary>
/// What a resumed AutoML run changes and which runs can be resumed: the one rule behind <c>mlnet-llm resume</c> and the
/// UI's Resume button. A run can be resumed when it kept its trials in a storage (every AutoML run of this version does:
/// trials.db in its folder); the resumed session keeps the finished trials, retries the ones that were running, and
/// searches on under the run's own settings, with an optional new time budget or trial limit.
/// </summary>
/// <param name="TrainTimeSeconds">A new time budget in seconds for this session (null: the run's own).</param>
/// <param name="MaxTrials">A new trial limit for the whole study, earlier trials counted (null: the run's own).</param>
internal sealed record ResumePolicy(double? TrainTimeSeconds = null, int? MaxTrials = null)
{
    /// <summary>Whether <paramref name="run"/> kept its trials in a storage, so that it can be resumed.</summary>
    public static bool CanResume(RunConfig? run) => run is { IsAutoML: true, Storage: not null };

    /// <summary>
    /// Reads the run in <paramref name="folder"/> and returns its config ready to run again (output: that folder, with
    /// this policy's budgets) and the line that announces it.
    /// </summary>
    /// <exception cref="CliException">When the folder holds no run.json, or a run without a storage.</exception>
    public RunConfig Apply(string folder, out string announcement)
    {
        string config = Path.Combine(folder, RunConfig.FileName);
        if (!File.Exists(config)) throw new CliException($"'{folder}' holds no {RunConfig.FileName}: it is not the output folder of a train run.");
        var run = RunConfig.Load(config);
        run.Output = folder; // the folder may have moved since; a storage inside it is found from here
        if (!CanResume(run))
            throw new CliException($"The run in '{folder}' has no AutoML storage (--storage), so there is nothing to resume; run train --config {config} to repeat it.");
        if (TrainTimeSeconds is { } t) run.TrainTimeSeconds = t;
        if (MaxTrials is { } m) run.MaxTrials = m;
        announcement = $"Resuming study '{run.Study ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(run.Output!)))}' from {(RunConfig.IsConnectionString(run.Storage!) ? "PostgreSQL" : run.ResolvedStorage())}" +
            (run.MaxTrials is { } n ? $" up to {n} trials" : "") + (run.TrainTimeSeconds is { } s ? $", {s:0.#}s budget" : "");
        return run;
    }
}
