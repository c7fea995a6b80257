using System.Diagnostics;
using System.Text.Json.Nodes;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// A run's output folder, written so that nothing is lost or half-written:
/// <list type="bullet">
/// <item>a non-empty folder that is not this run's own is refused (<c>--force</c> replaces it; its old contents are
/// moved aside first and deleted only once the new output is in place, or put back if the run fails);</item>
/// <item>an AutoML run gets run.json (status <c>running</c>) and its trial storage (<c>trials.db</c>) in the folder
/// before the first trial, so <c>mlnet-llm resume -o DIR</c> works after a crash or <c>kill -9</c>;</item>
/// <item>the results (model, metrics, reports, generated project, run.json) are written to a hidden sibling folder
/// and moved into place at the end, run.json last;</item>
/// <item>one process at a time: a lock file in the folder keeps a second run out while the first is alive.</item>
/// </list>
/// "This run's own": the folder of an unfinished run (status running, interrupted or failed) with the same settings
/// (budgets, parallelism and the folder aside), which this run continues; with <c>resume</c>, any run's folder.
/// </summary>
internal sealed class RunOutput : IDisposable
{
    /// <summary>Written before the first trial of an AutoML run; left so by a killed run.</summary>
    public const string Running = "running";

    /// <summary>Ctrl+C / SIGTERM: the output was written from the trials that finished.</summary>
    public const string Interrupted = "interrupted";

    /// <summary>The run stopped with an error.</summary>
    public const string Failed = "failed";

    /// <summary>The run did everything it was asked.</summary>
    public const string Completed = "completed";

    /// <summary>The trial storage an AutoML run keeps in its output folder when it is given no <c>--storage</c>.</summary>
    public const string DefaultStorage = "trials.db";

    const string LockFile = ".mlnet-llm.lock";

    /// <summary>Settings that may change between runs of one study without making it another run.</summary>
    static readonly string[] BudgetKeys = ["output", "maxTrials", "trainTimeSeconds", "parallel", "status"];

    readonly TextWriter _out;
    RunConfig? _config;
    CancellationToken _interrupt;
    string? _aside;
    string? _staging;
    FileStream? _lock;
    bool _committed;
    bool _holdsFolder; // Begin created (or continued) the folder under this run's lock

    RunOutput(string folder, TextWriter output, bool continues)
    {
        Folder = folder;
        _out = output;
        Continues = continues;
    }

    /// <summary>The output folder (full path).</summary>
    public string Folder { get; }

    /// <summary>Whether the folder holds this run's earlier, unfinished part (or the run being resumed).</summary>
    public bool Continues { get; }

    /// <summary>
    /// Checks <paramref name="config"/>'s output folder before anything is read or written. A run of a config file
    /// without <c>-o</c> (<paramref name="newFolderIfUsed"/>) whose folder is taken goes to the first free
    /// <c>DIR-2</c>, <c>DIR-3</c>, … instead (the config's <see cref="RunConfig.Output"/> is changed).
    /// </summary>
    /// <exception cref="CliException">When the folder is not this run's own and <paramref name="force"/> is not set.</exception>
    public static RunOutput Prepare(RunConfig config, TextWriter output, bool force = false, bool resuming = false, bool newFolderIfUsed = false)
    {
        string folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(config.Output!));
        if (File.Exists(folder)) throw new CliException($"--output '{config.Output}' is a file, not a folder.");
        if (newFolderIfUsed && !resuming && !IsEmpty(folder))
        {
            string original = folder;
            for (int n = 2; !IsEmpty(folder); n++) folder = $"{original}-{n}";
            config.Output = folder;
            output.WriteLine($"'{original}' holds the run this config comes from: writing to '{folder}' (give -o to choose).");
        }
        RemoveDeadStaging(folder);
        if (IsEmpty(folder)) return new RunOutput(folder, output, continues: false);

        if (InUse(folder)) throw new CliException($"--output '{config.Output}' is in use by another mlnet-llm process: wait for it to end, or give another folder.");
        var existing = ReadConfig(folder);
        if (resuming) return new RunOutput(folder, output, continues: true).Locked();
        if (force)
        {
            RefuseDangerousForce(folder, config);
            return new RunOutput(folder, output, continues: false).Locked();
        }
        string shown = config.Output!;
        if (existing == null)
            throw new CliException($"--output '{shown}' is not empty and is not the output folder of a train run: give a new or empty folder, or --force to replace its contents.");
        if (existing.Status is null or Completed)
            throw new CliException($"--output '{shown}' holds a finished run: give another folder, --force to replace it, or 'mlnet-llm resume -o {shown} --max-trials N' to search on.");
        if (Differences(existing, config) is { Count: > 0 } diff)
            throw new CliException($"--output '{shown}' holds an unfinished run with other settings ({string.Join(", ", diff)}): 'mlnet-llm resume -o {shown}' continues it, --force replaces it.");
        return new RunOutput(folder, output, continues: true).Locked();
    }

    /// <summary>
    /// Starts writing: moves a replaced folder's contents aside (<c>--force</c>), and for an AutoML run writes
    /// run.json with status <c>running</c> (the storage then lives in the folder too). Call once the data has been
    /// read and checked, so bad input leaves nothing behind.
    /// </summary>
    /// <param name="config">The run; its status is written as it changes.</param>
    /// <param name="interrupt">The run's graceful stop: a run that ends without <see cref="Commit"/> after it is
    /// marked interrupted, else failed.</param>
    public void Begin(RunConfig config, CancellationToken interrupt = default)
    {
        _interrupt = interrupt;
        if (!Continues && !IsEmpty(Folder))
        {
            _aside = SiblingName("replaced");
            ReleaseLock();
            Directory.Move(Folder, _aside);
            _out.WriteLine($"--force: the old contents of '{Folder}' are replaced once this run has written its output.");
        }
        if (!config.IsAutoML)
        {
            _config = config;
            return;
        }
        Directory.CreateDirectory(Folder);
        Locked(); // a second process that got here at the same time stops here, before it writes anything
        if (!Continues && Directory.EnumerateFileSystemEntries(Folder).Any(e => Path.GetFileName(e) != LockFile))
            throw new CliException($"--output '{Folder}' was just started by another mlnet-llm process: give another folder.");
        _config = config;
        _holdsFolder = true;
        WriteStatus(config, Running);
    }

    /// <summary>Rewrites run.json in the folder with <paramref name="status"/> (atomically).</summary>
    public void WriteStatus(RunConfig config, string status)
    {
        config.Status = status;
        Directory.CreateDirectory(Folder);
        string temp = Path.Combine(Folder, $".{RunConfig.FileName}.{Environment.ProcessId}.tmp");
        config.Save(temp);
        File.Move(temp, Path.Combine(Folder, RunConfig.FileName), overwrite: true);
    }

    /// <summary>A new empty folder beside the output folder to write the results into; <see cref="Commit"/> moves them into place.</summary>
    public string Stage()
    {
        _staging ??= SiblingName("partial");
        if (Directory.Exists(_staging)) Directory.Delete(_staging, recursive: true);
        Directory.CreateDirectory(_staging);
        return _staging;
    }

    /// <summary>The final path of <paramref name="stagedPath"/> (a file or folder under <see cref="Stage"/>'s folder).</summary>
    public string Final(string stagedPath) => Path.Combine(Folder, Path.GetRelativePath(_staging!, stagedPath));

    /// <summary>Moves the staged results into the output folder, run.json last, and drops replaced contents.</summary>
    public void Commit()
    {
        string staging = _staging ?? throw new InvalidOperationException("Nothing staged.");
        if (!Continues && !_holdsFolder && !IsEmpty(Folder))
            throw new CliException($"--output '{Folder}' was written by another run while this one ran: nothing was overwritten; give another folder.");
        if (IsEmpty(Folder))
        {
            if (Directory.Exists(Folder)) Directory.Delete(Folder);
            Directory.Move(staging, Folder); // one rename: the folder appears whole
        }
        else
        {
            var entries = Directory.EnumerateFileSystemEntries(staging)
                .OrderBy(e => Path.GetFileName(e) == RunConfig.FileName ? 1 : 0).ToList();
            foreach (string entry in entries)
            {
                string target = Path.Combine(Folder, Path.GetFileName(entry));
                if (Directory.Exists(entry))
                {
                    if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
                    Directory.Move(entry, target);
                }
                else File.Move(entry, target, overwrite: true);
            }
            Directory.Delete(staging, recursive: true);
        }
        _staging = null;
        _committed = true;
        if (_aside != null) TryDelete(_aside);
        _aside = null;
    }

    /// <summary>
    /// Ends a run that wrote no results: drops the staged files and, when a replaced folder was moved aside, puts it
    /// back unless <paramref name="keepNew"/> (an AutoML run that has trials worth resuming).
    /// </summary>
    public void Abandon(bool keepNew)
    {
        if (_staging != null) TryDelete(_staging);
        _staging = null;
        if (_aside == null) return;
        if (keepNew)
        {
            _out.WriteLine($"The replaced contents of '{Folder}' are kept in '{_aside}'.");
            return;
        }
        ReleaseLock();
        TryDelete(Folder);
        if (!Directory.Exists(Folder)) Directory.Move(_aside, Folder);
        _aside = null;
    }

    /// <summary>
    /// An AutoML run without <c>--storage</c> keeps its trials in its output folder (<see cref="DefaultStorage"/>),
    /// under a study named after the folder, so every search can be resumed.
    /// </summary>
    public static void ApplyDefaults(RunConfig config)
    {
        if (!config.IsAutoML || config.Storage != null) return;
        config.Storage = DefaultStorage;
        config.Study ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(config.Output!)));
    }

    /// <summary>Ends the run: one that did not <see cref="Commit"/> is marked interrupted or failed in run.json and its staged files are dropped.</summary>
    public void Dispose()
    {
        if (!_committed && _config != null)
        {
            bool autoML = _config.IsAutoML;
            if (autoML && Directory.Exists(Folder))
            {
                try { WriteStatus(_config, _interrupt.IsCancellationRequested ? Interrupted : Failed); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
            Abandon(keepNew: autoML);
        }
        else if (!_committed && _staging != null) TryDelete(_staging);
        bool held = _lock != null;
        ReleaseLock();
        if (held) TryDeleteFile(Path.Combine(Folder, LockFile));
    }

    RunOutput Locked()
    {
        if (_lock != null || !Directory.Exists(Folder)) return this;
        // a watcher's probe (InUse, e.g. the UI following the folder) holds the lock for an instant: try a few times
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                _lock = new FileStream(Path.Combine(Folder, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return this;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(20 * attempt);
            }
            catch (IOException)
            {
                throw new CliException($"--output '{Folder}' is in use by another mlnet-llm process: wait for it to end, or give another folder.");
            }
        }
    }

    /// <summary>
    /// Whether a live process holds the folder's lock file (an advisory lock the system drops when its process ends,
    /// also on <c>kill -9</c>, so a dead process is never taken for a live one, even when its id is reused).
    /// </summary>
    public static bool InUse(string folder)
    {
        string path = Path.Combine(folder, LockFile);
        if (!File.Exists(path)) return false;
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException) { return false; }
        catch (DirectoryNotFoundException) { return false; }
        catch (IOException) { return true; }
    }

    void ReleaseLock()
    {
        _lock?.Dispose();
        _lock = null;
    }

    string SiblingName(string kind)
    {
        string parent = Path.GetDirectoryName(Folder)!;
        return Path.Combine(parent, $".{Path.GetFileName(Folder)}.{kind}-{Environment.ProcessId}");
    }

    static bool IsEmpty(string folder) =>
        !Directory.Exists(folder) || !Directory.EnumerateFileSystemEntries(folder).Any();

    static RunConfig? ReadConfig(string folder)
    {
        string path = Path.Combine(folder, RunConfig.FileName);
        if (!File.Exists(path)) return null;
        try { return RunConfig.Load(path); }
        catch (CliException) { return null; }
    }

    /// <summary>The settings (JSON names) in which two configs differ, budgets and the output folder aside.</summary>
    static List<string> Differences(RunConfig a, RunConfig b)
    {
        static JsonObject Settings(RunConfig c)
        {
            var o = JsonNode.Parse(c.ToJson())!.AsObject();
            foreach (var key in BudgetKeys) o.Remove(key);
            return o;
        }
        var (x, y) = (Settings(a), Settings(b));
        return x.Select(p => p.Key).Union(y.Select(p => p.Key))
            .Where(k => !JsonNode.DeepEquals(x[k], y[k])).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>--force deletes the folder's contents: never a folder that holds the data, the tool or the current directory.</summary>
    static void RefuseDangerousForce(string folder, RunConfig config)
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var inside = new[] { Environment.CurrentDirectory, AppContext.BaseDirectory, config.Dataset, config.ValidationDataset }
            .Where(p => !string.IsNullOrEmpty(p)).Select(p => Path.GetFullPath(p!));
        bool contains = inside.Any(p => IsSameOrUnder(p, folder));
        if (contains || Path.GetPathRoot(folder) == folder || (home.Length > 0 && IsSameOrUnder(home, folder)))
            throw new CliException($"--force would delete '{folder}', which holds the data, the tool, your home or the current directory: give another --output.");
    }

    static bool IsSameOrUnder(string path, string folder)
    {
        string relative = Path.GetRelativePath(folder, path);
        return relative == "." || !(relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative));
    }

    /// <summary>Removes staging folders (".DIR.partial-PID") left by processes that no longer run.</summary>
    static void RemoveDeadStaging(string folder)
    {
        string? parent = Path.GetDirectoryName(folder);
        if (parent == null || !Directory.Exists(parent)) return;
        foreach (var dir in Directory.EnumerateDirectories(parent, $".{Path.GetFileName(folder)}.partial-*"))
            if (int.TryParse(dir[(dir.LastIndexOf('-') + 1)..], out int pid) && !IsAlive(pid)) TryDelete(dir);
    }

    static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    static void TryDeleteFile(string file)
    {
        try { File.Delete(file); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
