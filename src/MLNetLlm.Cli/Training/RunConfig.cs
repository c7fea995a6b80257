using System.Text.Json;
using System.Text.Json.Serialization;
using MLNetLlm.Data.Cleaning;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// Everything a <c>train</c> run was asked to do. Every run writes it to <c>run.json</c> in its output folder, and
/// <c>train --config run.json</c> runs it again (options given on the command line override the file's values).
/// Paths are stored absolute so the file works from any directory.
/// </summary>
internal sealed class RunConfig
{
    /// <summary>The file name a run's config gets in its output folder.</summary>
    public const string FileName = "run.json";

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>binary, multiclass or regression; null: inferred from the label column (two values → binary, more numbers → regression, more values → multiclass).</summary>
    public TaskKind? Task { get; set; }

    /// <summary>The training data file (CSV/TSV with a header).</summary>
    public string? Dataset { get; set; }

    /// <summary>
    /// The data trials are scored and selected on; when null, a stratified <see cref="Split"/> of <see cref="Dataset"/>
    /// is held out for it. The model is trained on the training rows only.
    /// </summary>
    public string? ValidationDataset { get; set; }

    /// <summary>
    /// Data read once, after the search, by the final model only: its metrics are the run's test metrics, reported next
    /// to the validation metrics. Null: no test metrics (the validation metrics are the run's).
    /// </summary>
    public string? TestDataset { get; set; }

    /// <summary>Classification: none, oversample, undersample or smote (training rows only); null: none, or searched by AutoML when the label is imbalanced.</summary>
    public string? Balance { get; set; }

    /// <summary>The metric trials are selected and ranked by, by its metrics.json name (null: f1 / macroAccuracy / r2); see <see cref="SelectionMetric"/>.</summary>
    public string? Metric { get; set; }

    /// <summary>The fraction of the training rows held out for validation when there is no validation file; (0, 1), default 0.2.</summary>
    public double Split { get; set; } = 0.2;

    /// <summary>The seed of the split and of every trainer; the same seed gives the same model.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>The label column; default "Label".</summary>
    public string LabelColumn { get; set; } = "Label";

    /// <summary>The text columns the model reads; default ["Text"]. Two columns with regression is sentence-pair regression.</summary>
    public List<string> TextColumns { get; set; } = ["Text"];

    /// <summary>Binary with text labels: the label value that means positive (e.g. "spam").</summary>
    public string? PositiveLabel { get; set; }

    /// <summary>
    /// How text is normalized before featurization (MLNetLlm.Data's NormalizeText, applied to every text column and
    /// saved in the model); null turns normalization off. Default: <see cref="TextNormalizerOptions"/>' defaults.
    /// </summary>
    public TextNormalizerOptions? Normalization { get; set; } = new();

    /// <summary>
    /// The language of the text: auto (default; decided from the training text's script), en or zh. Chinese n-gram
    /// pipelines segment words with jieba before the featurizer (see Languages/ChineseSteps).
    /// </summary>
    public string Language { get; set; } = "auto";

    /// <summary>The language the run uses (<see cref="Language"/>, or the detected one for auto); set by the run.</summary>
    [JsonIgnore]
    public Data.Languages.TextLanguage ResolvedLanguage { get; set; } = Data.Languages.TextLanguage.English;

    /// <summary>sdca (n-gram features + SDCA, default) or bert (a BERT encoder via MLNetLlm.Torch; see <see cref="Transformer"/>).</summary>
    public string Trainer { get; set; } = "sdca";

    /// <summary>
    /// How text becomes features for sdca and the AutoML trainers: ngrams (ML.NET's FeaturizeText, default) or
    /// embedding (a pretrained encoder's sentence embeddings; see <see cref="Embedding"/>).
    /// </summary>
    public string Featurizer { get; set; } = "ngrams";

    /// <summary>The featurizers <see cref="Featurizer"/> may name.</summary>
    public static readonly string[] Featurizers = ["ngrams", "embedding"];

    /// <summary>The encoder settings when <see cref="Featurizer"/> is embedding (null: the defaults).</summary>
    public EmbeddingSettings? Embedding { get; set; }

    /// <summary>The embedding settings in force: null unless <see cref="Featurizer"/> is embedding.</summary>
    [JsonIgnore]
    public EmbeddingSettings? EmbeddingOrNull => Featurizer == "embedding" ? Embedding ?? new EmbeddingSettings() : null;

    /// <summary>The BERT settings when <see cref="Trainer"/> is bert.</summary>
    public TransformerSettings? Transformer { get; set; }

    /// <summary>AutoML: stop starting trials after this many seconds. With <see cref="MaxTrials"/> or alone it turns AutoML on.</summary>
    public double? TrainTimeSeconds { get; set; }

    /// <summary>AutoML: the most trials in the study (earlier runs of a resumed study count). Turns AutoML on.</summary>
    public int? MaxTrials { get; set; }

    /// <summary>AutoML: grid, random, bayesian (Gaussian process), smac (default) or cfo (cost-frugal).</summary>
    public string? Tuner { get; set; }

    /// <summary>AutoML: trials run at once (default 1); each trainer then uses one thread.</summary>
    public int Parallel { get; set; } = 1;

    /// <summary>AutoML: where trials are kept: a SQLite file path, or a PostgreSQL connection string ("Host=…;Database=…").
    /// With storage, <c>resume</c> continues an interrupted study.</summary>
    public string? Storage { get; set; }

    /// <summary>AutoML: the study's name in <see cref="Storage"/> (default: the output folder's name).</summary>
    public string? Study { get; set; }

    /// <summary>Whether this config runs an AutoML search (a trial budget or time budget is set).</summary>
    [JsonIgnore]
    public bool IsAutoML => TrainTimeSeconds != null || MaxTrials != null;

    /// <summary>The tuners <see cref="Tuner"/> may name.</summary>
    public static readonly string[] Tuners = ["grid", "random", "bayesian", "smac", "cfo"];

    /// <summary>The output folder.</summary>
    public string? Output { get; set; }

    /// <summary>
    /// How the run that wrote this file ended: running (written before the first trial; a folder left like this was
    /// killed), interrupted (Ctrl+C/SIGTERM: the output is from the trials that finished), failed, or completed.
    /// Ignored as an input: every run sets its own. Null in files written by hand or by older versions.
    /// </summary>
    public string? Status { get; set; }

    /// <summary>The trial storage this config's run uses: <see cref="Storage"/> as given (a connection string or an
    /// absolute path), or a relative path taken from the output folder (a run's own <c>trials.db</c>).</summary>
    public string? ResolvedStorage() =>
        Storage == null || IsConnectionString(Storage) || Path.IsPathRooted(Storage) ? Storage : Path.Combine(Path.GetFullPath(Output!), Storage);

    /// <summary>Writes the config with its paths made absolute, so it reproduces the run from any directory.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, ToJson());
    }

    /// <summary>The config as <see cref="Save"/> writes it.</summary>
    public string ToJson()
    {
        var copy = (RunConfig)MemberwiseClone();
        copy.TextColumns = [.. TextColumns];
        copy.Normalization = Normalization?.Clone();
        copy.Dataset = Full(Dataset);
        copy.ValidationDataset = Full(ValidationDataset);
        copy.TestDataset = Full(TestDataset);
        copy.Output = Full(Output);
        // A storage inside the output folder is written relative to it: the folder can move, and a run of this file
        // into another --output gets a storage of its own there.
        if (Storage != null) copy.Storage = IsConnectionString(Storage) ? WithoutPassword(Storage) : InOutput(Storage);
        if (Embedding != null)
        {
            copy.Embedding = Embedding.Clone();
            copy.Embedding.Model = PretrainedArgument.Portable(Embedding.Model);
        }
        if (Transformer != null)
        {
            copy.Transformer = Transformer.Clone();
            copy.Transformer.Pretrained = Transformer.Pretrained is { } p ? PretrainedArgument.Portable(p) : null;
        }
        return JsonSerializer.Serialize(copy, JsonOptions) + "\n";
    }

    string InOutput(string storage)
    {
        if (!Path.IsPathRooted(storage) || Output == null) return storage;
        string relative = Path.GetRelativePath(Path.GetFullPath(Output), storage);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? storage : relative;
    }

    /// <summary>True when <paramref name="storage"/> is a PostgreSQL connection string rather than a SQLite file path.</summary>
    public static bool IsConnectionString(string storage) =>
        storage.Contains("Host=", StringComparison.OrdinalIgnoreCase) || storage.Contains("Server=", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A connection string without its password, for files that may be shared. Npgsql takes the password from the
    /// PGPASSWORD environment variable or ~/.pgpass when the string has none, so <c>resume</c> still connects.
    /// </summary>
    public static string WithoutPassword(string connectionString)
    {
        var builder = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (var key in builder.Keys.Cast<string>().Where(k => k.Equals("Password", StringComparison.OrdinalIgnoreCase)
                     || k.Equals("Pwd", StringComparison.OrdinalIgnoreCase)).ToList())
            builder.Remove(key);
        return builder.ConnectionString;
    }

    static string? Full(string? path) => string.IsNullOrWhiteSpace(path) ? path : Path.GetFullPath(path);

    public static RunConfig Load(string path)
    {
        if (!File.Exists(path)) throw new CliException($"Config file '{path}' does not exist.");
        try
        {
            return JsonSerializer.Deserialize<RunConfig>(File.ReadAllText(path), JsonOptions)
                ?? throw new CliException($"Config file '{path}' is empty.");
        }
        catch (JsonException ex)
        {
            string where = ex.LineNumber is { } l ? $" (line {l + 1})" : "";
            throw new CliException($"Config file '{path}' is not a valid run config{where}: {ex.Message}", ex);
        }
    }

    /// <summary>Checks the values that do not depend on the data, naming the option at fault.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Dataset)) throw new CliException("--dataset is required (or --config with a dataset).");
        if (string.IsNullOrWhiteSpace(Output)) throw new CliException("--output is required (or --config with an output folder).");
        if (ValidationDataset == null && !(Split > 0 && Split < 1))
            throw new CliException($"--split must be between 0 and 1 (exclusive), not {Split}.");
        if (TextColumns.Count == 0) throw new CliException("At least one --text-col is needed.");
        if (string.IsNullOrWhiteSpace(LabelColumn)) throw new CliException("--label-col must name a column.");
        if (TrainTimeSeconds is { } t && !(t > 0)) throw new CliException($"--train-time must be a positive number of seconds, not {t}.");
        if (MaxTrials is { } m && m < 1) throw new CliException($"--max-trials must be at least 1, not {m}.");
        if (Parallel < 1) throw new CliException($"--parallel must be at least 1, not {Parallel}.");
        if (Tuner != null && !Tuners.Contains(Tuner)) throw new CliException($"--tuner must be one of {string.Join(", ", Tuners)}, not '{Tuner}'.");
        if (!IsAutoML && (Tuner != null || Storage != null || Parallel != 1))
            throw new CliException("--tuner, --storage and --parallel are AutoML settings: give --max-trials and/or --train-time too.");
        Languages.LanguageSettings.Parse(Language);
        if (Balance != null && !ClassBalance.Methods.Contains(Balance)) throw new CliException($"--balance must be one of {string.Join(", ", ClassBalance.Methods)}, not '{Balance}'.");
        if (Balance is not (null or "none") && Task == TaskKind.Regression) throw new CliException("--balance is for classification; this run is --task regression.");
        if (Balance is not (null or "none") && Trainer == "bert") throw new CliException("--balance works with --trainer sdca (n-gram features).");
        if (Metric != null && Task is { } task) SelectionMetric.Name(task, Metric);
        if (TestDataset != null && ValidationDataset != null && Path.GetFullPath(TestDataset) == Path.GetFullPath(ValidationDataset))
            throw new CliException("--test-dataset and --validation-dataset are the same file: the test data must stay unseen until the final model is measured.");
        if (TestDataset != null && Path.GetFullPath(TestDataset) == Path.GetFullPath(Dataset))
            throw new CliException("--test-dataset is the --dataset file: the test data must not be trained on.");
        if (Trainer is not ("sdca" or "bert")) throw new CliException($"--trainer must be sdca or bert, not '{Trainer}'.");
        if (Trainer == "bert")
        {
            if (IsAutoML && Task == TaskKind.Regression)
                throw new CliException("--trainer bert with AutoML (--max-trials/--train-time) searches text classification: use --task binary or multiclass, or drop the AutoML options.");
            if (Task == TaskKind.Regression && TextColumns.Count != 2)
                throw new CliException($"--trainer bert regression is sentence-pair regression: it needs exactly two --text-col, not {TextColumns.Count}.");
            if (Task != TaskKind.Regression && TextColumns.Count > 2)
                throw new CliException($"--trainer bert classifies one text column or a pair, not {TextColumns.Count} columns.");
            (Transformer ??= new()).Validate();
        }
        else if (Transformer != null) throw new CliException("BERT settings (--epochs, --pretrained, --device, …) need --trainer bert.");
        if (!Featurizers.Contains(Featurizer)) throw new CliException($"--featurizer must be one of {string.Join(", ", Featurizers)}, not '{Featurizer}'.");
        if (Featurizer == "embedding")
        {
            if (Trainer == "bert") throw new CliException("--featurizer embedding feeds sdca and the AutoML trainers; --trainer bert fine-tunes the encoder itself: drop one of them.");
            (Embedding ??= new()).Validate();
        }
        else if (Embedding != null) throw new CliException("Embedding settings need --featurizer embedding.");
        try { Normalization?.Validate(); }
        catch (ArgumentException ex) { throw new CliException($"Normalization settings: {ex.Message}", ex); }
    }
}
