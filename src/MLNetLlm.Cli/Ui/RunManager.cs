using System.Collections.Concurrent;
using System.Globalization;
using MLNetLlm.Cli.DataSteps;
using MLNetLlm.Cli.Reporting;
using MLNetLlm.Cli.Training;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Ui;

/// <summary>
/// Starts <c>train</c> runs (the CLI's <see cref="TrainingRun"/>, in this process) into the workspace's runs/ folder and
/// reads any run's state back from what the CLI writes: run.json and the study storage (trials.db). The only state kept
/// in memory is which runs this process is running (to cancel them); everything shown comes from the run folder, so
/// a reload, a second tab or a restarted UI shows the same run.
/// </summary>
internal sealed class RunManager(Workspace workspace) : IDisposable
{
    readonly ConcurrentDictionary<string, ActiveRun> _active = new(StringComparer.Ordinal);

    sealed class ActiveRun(CancellationTokenSource stop, DateTimeOffset started)
    {
        public CancellationTokenSource Stop { get; } = stop;
        public DateTimeOffset Started { get; } = started;
        public Task? Work { get; set; }
    }

    /// <summary>What the pages show about one run.</summary>
    internal sealed record State(string Id, string Folder, RunConfig? Config, string Status, string? Error, bool Active, bool Stopping,
        IReadOnlyList<TrialResult> Trials, string Metric, double? ElapsedSeconds)
    {
        public bool Finished => Status is RunOutput.Completed or RunOutput.Interrupted;
        public bool HasModel => File.Exists(Path.Combine(Folder, TrainingRun.ModelFileName));
    }

    /// <summary>
    /// Starts a run of <paramref name="config"/> (its Output is set to a new folder under runs/) on a background thread;
    /// with <paramref name="dedup"/> the data file is first cleaned like <c>mlnet-llm clean</c> into a new dataset.
    /// Returns the run's id.
    /// </summary>
    public string Start(RunConfig config, string datasetName, bool dedup)
    {
        string stem = new string(Path.GetFileNameWithoutExtension(datasetName).Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_').ToArray());
        string id = $"{stem}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        for (int i = 2; Directory.Exists(Path.Combine(workspace.Runs, id)); i++) id = $"{stem}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{i}";
        string folder = Path.Combine(workspace.Runs, id);
        Directory.CreateDirectory(folder); // empty: the run's own output folder, claimed by RunOutput when the data is checked
        config.Output = folder;
        var run = new ActiveRun(new CancellationTokenSource(), DateTimeOffset.UtcNow);
        _active[id] = run;
        string log = LogPath(id);
        run.Work = Task.Factory.StartNew(() =>
        {
            using var writer = TextWriter.Synchronized(new StreamWriter(log, append: true) { AutoFlush = true });
            try
            {
                if (dedup) config.Dataset = Clean(config, id, writer);
                if (config.Trainer == "bert" && config.Transformer?.Pretrained is { } pretrained)
                {
                    PretrainedArgument.Validate(pretrained);
                    PretrainedArgument.Resolve(pretrained, writer);
                }
                if (config.Trainer != "bert" && config.EmbeddingOrNull is { } embedding)
                {
                    PretrainedArgument.Validate(embedding.Model);
                    PretrainedArgument.Resolve(embedding.Model, writer);
                }
                new TrainingRun(config, writer, run.Stop.Token).Execute();
            }
            catch (Exception ex)
            {
                string message = ex is CliException or DataFileException or RunInterruptedException ? ex.Message : $"unexpected {ex.GetType().Name}: {ex.Message}";
                writer.WriteLine("mlnet-llm: error: " + message);
                File.WriteAllText(ErrorPath(id), message);
            }
            finally
            {
                _active.TryRemove(id, out _);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return id;
    }

    string Clean(RunConfig config, string id, TextWriter log)
    {
        var table = DelimitedFile.Read(config.Dataset!);
        var (rows, report) = new TableCleaner { TextColumns = config.TextColumns, Normalization = config.Normalization }.Clean(table);
        string name = $"{Path.GetFileNameWithoutExtension(config.Dataset)}.cleaned-{id}{Path.GetExtension(config.Dataset)}";
        string target = Path.Combine(workspace.Datasets, name);
        string temp = Path.Combine(workspace.Root, $".clean-{Guid.NewGuid():N}{Path.GetExtension(config.Dataset)}");
        DelimitedFile.Write(temp, table.Header, rows);
        File.Move(temp, target);
        log.WriteLine($"Data steps: {report.RowsIn} rows in, {report.Empty} empty, {report.ExactDuplicates} exact and {report.NearDuplicates} near duplicates dropped, {report.RowsOut} kept: {target}");
        return target;
    }

    /// <summary>Asks a run of this process to stop: no new trials; the running ones finish and the output is written from the finished trials.</summary>
    public bool Cancel(string id)
    {
        if (!_active.TryGetValue(id, out var run)) return false;
        run.Stop.Cancel();
        return true;
    }

    public string LogPath(string id) => Path.Combine(workspace.Logs, id + ".log");
    string ErrorPath(string id) => Path.Combine(workspace.Logs, id + ".error");

    /// <summary>The run's state from its folder (run.json, trials.db) and, when this process runs it, whether it is still going.</summary>
    public State? Read(string id)
    {
        string? folder = workspace.RunPath(id);
        if (folder == null) return null;
        RunConfig? config = null;
        string runJson = Path.Combine(folder, RunConfig.FileName);
        for (int attempt = 0; attempt < 3 && config == null && File.Exists(runJson); attempt++)
        {
            try { config = RunConfig.Load(runJson); }
            catch (CliException) { Thread.Sleep(50); } // being replaced (written to a temp file and moved): read again
            catch (IOException) { Thread.Sleep(50); }
        }
        bool active = _active.TryGetValue(id, out var run);
        string? error = File.Exists(ErrorPath(id)) ? File.ReadAllText(ErrorPath(id)).Trim() : null;
        string status = active ? (run!.Stop.IsCancellationRequested ? "stopping" : RunOutput.Running)
            : error != null ? RunOutput.Failed
            : config?.Status == RunOutput.Running ? "stopped" // left running by a process that is gone: 'mlnet-llm resume' continues it
            : config?.Status ?? (Directory.EnumerateFileSystemEntries(folder).Any() ? "unknown" : "stopped");
        IReadOnlyList<TrialResult> trials = [];
        string metric = "?";
        if (config?.Task is { } task)
        {
            metric = SelectionMetric.Name(task, config.Metric);
            if (config.ResolvedStorage() is { } storage && !RunConfig.IsConnectionString(storage))
            {
                try { trials = StudyReader.Read(storage, config.Study ?? id); }
                catch (Microsoft.Data.Sqlite.SqliteException) { } // busy past the timeout: the next refresh reads it
            }
        }
        double? elapsed = active ? (DateTimeOffset.UtcNow - run!.Started).TotalSeconds : null;
        return new State(id, folder, config, status, error, active, active && run!.Stop.IsCancellationRequested, trials, metric, elapsed);
    }

    /// <summary>Waits for this process's runs to end (after asking them to stop), up to <paramref name="timeout"/>.</summary>
    public void StopAll(TimeSpan timeout)
    {
        var tasks = _active.Values.Select(r => { r.Stop.Cancel(); return r.Work; }).OfType<Task>().ToArray();
        Task.WaitAll(tasks, timeout);
    }

    public void Dispose() => StopAll(TimeSpan.FromMinutes(2));

    public static string Seconds(double s) => s.ToString("0", CultureInfo.InvariantCulture) + " s";
}
