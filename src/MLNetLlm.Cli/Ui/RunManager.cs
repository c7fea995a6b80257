using System.Collections.Concurrent;
using System.Globalization;
using MLNetLlm.Cli.Commands;
using MLNetLlm.Cli.DataSteps;
using MLNetLlm.Cli.Reporting;
using MLNetLlm.Cli.Training;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Ui;

/// <summary>
/// Starts <c>train</c> runs (the CLI's <see cref="TrainingRun"/>, in this process) into the workspace's runs/ folder,
/// resumes a run whose process ended (the CLI's <c>resume</c>: <see cref="ResumeCommand.Prepare"/>), and reads any
/// run's state back from what the CLI writes: run.json and the study storage (trials.db, opened read-only). The only
/// state kept in memory is which runs this process is running (to cancel them); everything shown comes from the run
/// folder, so a reload, a second tab or a restarted UI shows the same run. A run that another process (a terminal's
/// <c>mlnet-llm train</c>, another UI) is running holds its folder's lock (<see cref="RunOutput.InUse"/>), which the
/// system drops when that process ends, even by <c>kill -9</c>: it is followed live while it runs and can be resumed
/// here once it is gone.
/// </summary>
internal sealed class RunManager(Workspace workspace) : IDisposable
{
    /// <summary>The status of a run that another live process is running.</summary>
    public const string Elsewhere = "running elsewhere";

    /// <summary>The status of a run left running by a process that is gone (killed, crashed, the machine went down).</summary>
    public const string Stopped = "stopped";

    readonly ConcurrentDictionary<string, ActiveRun> _active = new(StringComparer.Ordinal);

    sealed class ActiveRun(CancellationTokenSource stop, DateTimeOffset started)
    {
        public CancellationTokenSource Stop { get; } = stop;
        public DateTimeOffset Started { get; } = started;
        public Task? Work { get; set; }
    }

    /// <summary>
    /// What the pages show about one run. Active: this process runs it (it can be cancelled here); Elsewhere: another
    /// live process runs it (followed here, neither cancelled nor resumed).
    /// </summary>
    internal sealed record State(string Id, string Folder, RunConfig? Config, string Status, string? Error, bool Active, bool Stopping,
        IReadOnlyList<TrialResult> Trials, string Metric, double? ElapsedSeconds, bool Elsewhere = false)
    {
        public bool Finished => Status is RunOutput.Completed or RunOutput.Interrupted;
        public bool HasModel => File.Exists(Path.Combine(Folder, TrainingRun.ModelFileName));

        /// <summary>Whether the page follows it as it goes (a process runs it, here or elsewhere).</summary>
        public bool Live => Active || Elsewhere;

        /// <summary>
        /// Whether the Resume button is offered: no process runs it, it did not complete, and it kept its trials in a
        /// storage (<see cref="ResumePolicy.CanResume"/>, the rule of <c>mlnet-llm resume</c>).
        /// </summary>
        public bool Resumable => !Live && (Status is Stopped or RunOutput.Interrupted or RunOutput.Failed) && ResumePolicy.CanResume(Config);
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
        Launch(id, config, null, writer => { if (dedup) config.Dataset = Clean(config, id, writer); });
        return id;
    }

    /// <summary>
    /// Continues a run whose process ended before it finished, as <c>mlnet-llm resume -o FOLDER</c> does (the same
    /// <see cref="ResumeCommand.Prepare"/> and output policy): the finished trials stay in the study, the ones that
    /// were running are retried, and the search goes on in this process, followed live like a new run.
    /// </summary>
    /// <exception cref="CliException">When there is no such run, or it is running or cannot be resumed.</exception>
    public void Resume(string id, ResumePolicy policy)
    {
        var s = Read(id) ?? throw new CliException($"There is no run '{id}' in the workspace.");
        if (!s.Resumable)
            throw new CliException(s.Live ? $"Run '{id}' is {s.Status}: it can be resumed once its process has ended."
                : $"Run '{id}' is {s.Status}: only an AutoML run that did not complete can be resumed.");
        var config = ResumeCommand.Prepare(s.Folder, policy, out string announcement);
        Launch(id, config, ResumeCommand.Policy, writer =>
        {
            File.Delete(ErrorPath(id)); // the error of the session before; this one writes its own
            writer.WriteLine(announcement);
        });
    }

    /// <summary>Runs <paramref name="config"/> as run <paramref name="id"/> on a background thread, its output in the run's log.</summary>
    void Launch(string id, RunConfig config, TrainingRun.OutputPolicy? policy, Action<TextWriter> first)
    {
        var run = new ActiveRun(new CancellationTokenSource(), DateTimeOffset.UtcNow);
        if (!_active.TryAdd(id, run)) throw new CliException($"Run '{id}' is already running.");
        string log = LogPath(id);
        run.Work = Task.Factory.StartNew(() =>
        {
            using var writer = TextWriter.Synchronized(new StreamWriter(log, append: true) { AutoFlush = true });
            try
            {
                first(writer);
                PretrainedArgument.Prepare(config, writer);
                new TrainingRun(config, writer, run.Stop.Token, policy).Execute();
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
        // run.json says running: a live process holds the folder's lock (another one: followed here), or it is gone
        bool elsewhere = !active && config?.Status == RunOutput.Running && RunOutput.InUse(folder);
        string? error = File.Exists(ErrorPath(id)) ? File.ReadAllText(ErrorPath(id)).Trim() : null;
        string status = active ? (run!.Stop.IsCancellationRequested ? "stopping" : RunOutput.Running)
            : elsewhere ? Elsewhere
            : error != null ? RunOutput.Failed
            : config?.Status == RunOutput.Running ? Stopped
            : config?.Status ?? (Directory.EnumerateFileSystemEntries(folder).Any() ? "unknown" : Stopped);
        if (elsewhere) error = null; // a failure of an earlier session here; the process running it now writes its own
        IReadOnlyList<TrialResult> trials = [];
        string metric = "?";
        if (config?.Task is { } task)
        {
            metric = SelectionMetric.Name(task, config.Metric);
            if (config.ResolvedStorage() is { } storage && !RunConfig.IsConnectionString(storage))
            {
                try { trials = StudyReader.Read(storage, config.Study ?? id); }
                catch (Microsoft.Data.Sqlite.SqliteException) { } // not a database (yet): the next refresh reads it
            }
        }
        // another process's session started when it wrote run.json (status running)
        double? elapsed = active ? (DateTimeOffset.UtcNow - run!.Started).TotalSeconds
            : elsewhere ? Math.Max(0, (DateTime.UtcNow - File.GetLastWriteTimeUtc(runJson)).TotalSeconds) : null;
        return new State(id, folder, config, status, error, active, active && run!.Stop.IsCancellationRequested, trials, metric, elapsed, elsewhere);
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
