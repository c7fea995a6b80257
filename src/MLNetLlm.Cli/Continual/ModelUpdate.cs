using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Torch.Memory;
using MLNetLlm.Cli.Commands;
using MLNetLlm.Cli.Evaluation;
using MLNetLlm.Cli.Training;
using MLNetLlm.DataViews;
using MLNetLlm.IO;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Continual;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Cli.Continual;

/// <summary>
/// <c>mlnet-llm update</c>: continue a fine-tuned transformer model on new rows and write the result as a new version
/// next to the old one (the old folder is never touched). Versions are sibling folders: <c>spam</c> → <c>spam-v2</c> →
/// <c>spam-v3</c> (the first free number; or <c>-o</c>), each a complete output folder that <c>predict</c>,
/// <c>evaluate</c> and <c>serve</c> take as is. The folder is written under a temporary name and renamed at the end.
/// </summary>
internal sealed partial class ModelUpdate
{
    public const string MemoryFile = "memory.db";
    public const string ReportFile = "update.json";
    public const string NewTestFile = "new-test.csv";

    public required string ModelDir { get; init; }
    public required string Dataset { get; init; }
    public string? Output { get; init; }
    public double Ewc { get; init; }
    public int Replay { get; init; }
    public ReplayPolicy ReplayPolicy { get; init; }
    public int? ReplayNearest { get; init; }
    public double SelectThreshold { get; init; }
    public string? OldTest { get; init; }
    public string? TestDataset { get; init; }
    public double Split { get; init; } = 0.2;
    public string? Memory { get; init; }
    public int MemorySize { get; init; } = 2000;
    public double Dedup { get; init; } = 0.98;
    public int? Epochs { get; init; }
    public double? LearningRate { get; init; }
    public int FisherSamples { get; init; } = 256;
    public string Device { get; init; } = "auto";
    public int Seed { get; init; } = 42;

    [GeneratedRegex(@"^(?<base>.+)-v(?<n>\d+)$")]
    private static partial Regex VersionSuffix();

    /// <summary>The next version's folder: <c>BASE-vN</c> with N one more than the model's (2 for an unversioned folder), the first free one.</summary>
    public static string NextVersion(string modelDir)
    {
        string dir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDir));
        var m = VersionSuffix().Match(dir);
        string stem = m.Success ? m.Groups["base"].Value : dir;
        int n = m.Success ? int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) + 1 : 2;
        while (Directory.Exists($"{stem}-v{n}") || File.Exists($"{stem}-v{n}")) n++;
        return $"{stem}-v{n}";
    }

    /// <summary>The stages of a model, nested chains opened up.</summary>
    static List<ITransformer> Flatten(ITransformer model)
    {
        var into = new List<ITransformer>();
        void Add(ITransformer t)
        {
            var type = t.GetType();
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(TransformerChain<>) && t is IEnumerable<ITransformer> items)
                foreach (var item in items) Add(item);
            else into.Add(t);
        }
        Add(model);
        return into;
    }

    void Check()
    {
        if (!Directory.Exists(ModelDir)) throw new CliException($"--model '{ModelDir}' is not a folder (give the output folder of train or update).");
        if (!File.Exists(Path.Combine(ModelDir, TrainingRun.ModelFileName))) throw new CliException($"--model '{ModelDir}' holds no {TrainingRun.ModelFileName}.");
        foreach (var (option, path) in new[] { ("--dataset", Dataset), ("--old-test", OldTest), ("--test-dataset", TestDataset) })
            if (path != null && !File.Exists(path)) throw new CliException($"{option} '{path}' does not exist.");
        if (!(Ewc >= 0 && double.IsFinite(Ewc))) throw new CliException($"--ewc must be a number ≥ 0, not {Ewc.ToString(CultureInfo.InvariantCulture)}.");
        if (Replay < 0) throw new CliException($"--replay must be ≥ 0, not {Replay}.");
        if (ReplayNearest is < 1) throw new CliException($"--replay-nearest must be ≥ 1, not {ReplayNearest}.");
        if (!(SelectThreshold >= 0 && SelectThreshold <= 1)) throw new CliException($"--select-threshold must be between 0 and 1, not {SelectThreshold.ToString(CultureInfo.InvariantCulture)}.");
        if (TestDataset is null && !(Split > 0 && Split < 1)) throw new CliException($"--split must be between 0 and 1 (exclusive), not {Split.ToString(CultureInfo.InvariantCulture)}.");
        if (MemorySize < 1) throw new CliException($"--memory-size must be ≥ 1, not {MemorySize}.");
        if (!(Dedup > 0 && Dedup <= 1)) throw new CliException($"--dedup must be in (0, 1], not {Dedup.ToString(CultureInfo.InvariantCulture)}.");
        if (Epochs is < 1) throw new CliException($"--epochs must be ≥ 1, not {Epochs}.");
        if (FisherSamples < 1) throw new CliException($"--fisher-samples must be ≥ 1, not {FisherSamples}.");
    }

    public int Run(TextWriter output)
    {
        Check();
        string modelDir = Path.TrimEndingDirectorySeparator(Path.GetFullPath(ModelDir));
        string modelPath = Path.Combine(modelDir, TrainingRun.ModelFileName);
        string target = Output is null ? NextVersion(modelDir) : Path.GetFullPath(Output);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()) throw new CliException($"-o '{target}' is not empty.");

        var ml = new MLContext(seed: Seed);
        var metadata = ml.Llm().Model.ReadMetadata(modelPath);
        var signature = ModelSignature.FromMetadata(metadata, modelPath);
        if (signature.Task == TaskKind.Regression) throw new CliException($"'{modelPath}' is a regression model; update continues classifiers.");
        var stages = Flatten(ml.Llm().Model.Load(modelPath, out _));
        int at = stages.FindIndex(s => s is TextClassificationTransformer);
        var previousRun = File.Exists(Path.Combine(modelDir, RunConfig.FileName)) ? RunConfig.Load(Path.Combine(modelDir, RunConfig.FileName)) : null;
        string? oldTest = OldTest ?? previousRun?.TestDataset ?? previousRun?.ValidationDataset;
        if (at < 0)
        {
            // a linear model (featurizer + linear predictor) is continued by warm start from its weights
            int linear = stages.FindLastIndex(s => s is ISingleFeaturePredictionTransformer<object>);
            if (linear >= 0) return RunLinear(output, ml, modelDir, modelPath, target, metadata, signature, stages, linear, previousRun, oldTest);
            throw new CliException($"'{modelPath}' holds no fine-tuned transformer (train it with --trainer bert) and no linear predictor; update continues those.");
        }
        var previous = (TextClassificationTransformer)stages[at];
        var prefix = new TransformerChain<ITransformer>(stages.Take(at).ToArray());

        // the new rows: a seeded held-out share for the "new test" metrics unless a test file is given
        var table = DelimitedFile.Read(Dataset);
        LabeledData.CheckColumns(table, signature.LabelColumn, signature.TextColumns);
        var order = Enumerable.Range(0, table.Rows.Count).ToArray();
        new Random(Seed).Shuffle(order);
        int nTest = TestDataset is null ? Math.Max(1, (int)Math.Round(order.Length * Split)) : 0;
        if (order.Length - nTest < 1) throw new CliException($"--dataset '{Dataset}' has {table.Rows.Count} row(s): too few to train on.");
        var trainIdx = order.Skip(nTest).Order().ToArray();
        var testIdx = order.Take(nTest).Order().ToArray();
        IDataView Prepared(DelimitedTable t, IReadOnlyList<int> rows)
        {
            IDataView v = LabeledData.Build(t, rows, signature);
            if (signature.Task == TaskKind.Multiclass) v = PipelineFactory.LabelToKey(ml, signature, v).Transform(v);
            return prefix.Transform(v);
        }
        var train = Prepared(table, trainIdx);
        string[] Texts(IReadOnlyList<int> rows, int col) => rows.Select(r => table.Rows[r][table.ColumnIndex(signature.TextColumns[col])]).ToArray();
        string[] Labels(DelimitedTable t, IReadOnlyList<int> rows) => rows.Select(r => t.Rows[r][t.ColumnIndex(signature.LabelColumn)]).ToArray();

        string staging = target + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(staging)) Directory.Delete(staging, true);
        Directory.CreateDirectory(staging);
        try
        {
            // the sample memory: a SQLite file carried from version to version (copied, so the old version keeps its own), or PostgreSQL
            bool sqlite = Memory is null || !Memory.Contains('=');
            string storage = Memory is null ? Path.Combine(staging, MemoryFile) : Memory;
            if (Memory is null && File.Exists(Path.Combine(modelDir, MemoryFile))) File.Copy(Path.Combine(modelDir, MemoryFile), storage);
            string memoryName = previous.Model.Continual?.MemoryReference is { } r && r.Contains('#') ? r[(r.IndexOf('#') + 1)..] : Path.GetFileName(VersionSuffix().Match(modelDir) is { Success: true } vm ? vm.Groups["base"].Value : modelDir);
            SampleMemory memory;
            try { memory = SampleMemory.Open(storage, memoryName, MemorySize, ReplayPolicy); }
            catch (ArgumentException e) { throw new CliException($"--memory: {e.Message}", e); }
            string memoryReference = (sqlite ? MemoryFile : "postgresql") + "#" + memoryName;
            int pairs = signature.TextColumns.Count;
            MemoryRow[] Embedded(TextClassificationTransformer model, string[] texts, string?[]? pairTexts, string[] labels)
            {
                var vectors = model.Model.Embed(texts, pairTexts!, 64);
                return texts.Select((t, i) => new MemoryRow(t, pairTexts?[i], labels[i], vectors[i])).ToArray();
            }
            // first update of a model: the memory starts from the rows the previous version was trained on (its run.json dataset)
            if (memory.Rows.Count == 0 && previousRun?.Dataset is { } oldData && File.Exists(oldData))
            {
                var old = DelimitedFile.Read(oldData);
                LabeledData.CheckColumns(old, signature.LabelColumn, signature.TextColumns);
                var all = Enumerable.Range(0, old.Rows.Count).ToArray();
                string[] OldTexts(int col) => all.Select(r => old.Rows[r][old.ColumnIndex(signature.TextColumns[col])]).ToArray();
                memory.Add(Embedded(previous, OldTexts(0), pairs > 1 ? OldTexts(1) : null, Labels(old, all)), Dedup, Seed);
                output.WriteLine($"memory '{memoryName}': seeded with {memory.Rows.Count} of the {all.Length} rows of {oldData}");
            }
            if ((Replay > 0 || Ewc > 0 && previous.Model.Continual is null) && memory.Rows.Count == 0)
                throw new CliException(Replay > 0
                    ? $"--replay needs remembered rows: the memory '{memoryName}' is empty and '{modelDir}' names no training dataset in its run.json."
                    : $"--ewc needs the previous model's Fisher or rows of its task: '{modelDir}' has neither (no continual state, empty memory, no run.json dataset).");

            var newTexts = Texts(trainIdx, 0);
            var newPairs = pairs > 1 ? Texts(trainIdx, 1) : null;
            var newEmbedded = Embedded(previous, newTexts, newPairs, Labels(table, trainIdx));
            int duplicates = newEmbedded.Count(row => memory.Search(row.Embedding, 1) is [var m] && m.Similarity >= Dedup);
            var replayRows = ReplayNearest is { } k ? memory.Nearest(newEmbedded.Select(x => x.Embedding), k) : memory.Rows;
            IDataView MemoryView(IReadOnlyList<MemoryRow> rows)
            {
                var t = new DelimitedTable(table.Source + " (memory)", [.. signature.TextColumns, signature.LabelColumn],
                    rows.Select(x => pairs > 1 ? new[] { x.Text, x.Pair ?? "", x.Label } : new[] { x.Text, x.Label }).ToList(), Enumerable.Range(1, rows.Count).ToList());
                return Prepared(t, Enumerable.Range(0, rows.Count).ToArray());
            }
            var memoryRows = memory.Rows.Count > 0 ? MemoryView(replayRows) : null;

            var options = new TextClassificationTrainer.Options
            {
                LabelColumnName = ModelSignature.LabelColumnName, TextColumnName = signature.TextColumns[0], SecondTextColumnName = pairs > 1 ? signature.TextColumns[1] : null,
                MaxLength = previous.Model.MaxLength, LearningRate = LearningRate, Device = Device, Seed = Seed,
                ContinualLearning = new ContinualLearningOptions
                {
                    PreviousModel = previous, EwcLambda = Ewc, ReplayRows = Replay > 0 ? memoryRows : null, ReplaySize = Replay, ReplayPolicy = ReplayPolicy,
                    SelectionThreshold = SelectThreshold, FisherSamples = FisherSamples, MemoryReference = memoryReference,
                    PreviousTaskRows = Ewc > 0 && previous.Model.Continual is null ? MemoryView(memory.Rows) : null,
                },
            };
            if (Epochs is { } epochs) options.NumberOfEpochs = epochs;
            var started = DateTime.UtcNow;
            TextClassificationTransformer updated;
            try { updated = ml.Llm().TextClassification(options).Fit(train); }
            catch (ArgumentException ex) { throw new CliException(ex.Message, ex); }
            double seconds = (DateTime.UtcNow - started).TotalSeconds;
            var report = updated.ContinualReport!;
            output.WriteLine($"trained in {seconds:F0} s: {report.SelectedRows} of {report.NewRows} new rows selected, {report.ReplayedRows} replayed, EWC λ {Ewc.ToString(CultureInfo.InvariantCulture)}; round {report.Round}");

            stages[at] = updated;
            var model = new TransformerChain<ITransformer>(stages.ToArray());
            var newMetadata = metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
            newMetadata["previousModel"] = modelPath;
            newMetadata["continualRound"] = report.Round.ToString(CultureInfo.InvariantCulture);
            ml.Llm().Model.Save(model, LabeledData.Build(table, trainIdx.Take(1).ToArray(), signature, withLabel: false).Schema, Path.Combine(staging, TrainingRun.ModelFileName), newMetadata);

            // the memory learns the new rows (deduplicated, sampled) and takes the new version's embeddings
            var added = memory.Add(Embedded(updated, newTexts, newPairs, Labels(table, trainIdx)), Dedup, Seed);
            memory.ReplaceEmbeddings(updated.Model.Embed(memory.Rows.Select(x => x.Text).ToArray(), pairs > 1 ? memory.Rows.Select(x => x.Pair ?? "").ToArray() : null!, 64));
            output.WriteLine($"memory '{memoryName}' ({(sqlite ? Path.GetFileName(target) + "/" + MemoryFile : "PostgreSQL")}): {memory.Rows.Count} rows; of {added.Offered} new rows {added.Duplicates} near-duplicates (cosine ≥ {Dedup.ToString(CultureInfo.InvariantCulture)}), {added.Stored} stored");

            string? newTest = TestDataset;
            if (newTest is null)
            {
                newTest = Path.Combine(staging, NewTestFile);
                DelimitedFile.Write(newTest, table.Header, testIdx.Select(r => (IReadOnlyList<string>)table.Rows[r]));
            }
            var (metrics, primary) = CompareVersions(output, modelDir, modelPath, target, staging, oldTest, newTest);

            var json = new JsonObject
            {
                ["previousModel"] = modelDir, ["dataset"] = Path.GetFullPath(Dataset), ["oldTest"] = oldTest, ["newTest"] = TestDataset ?? NewTestFile,
                ["ewc"] = Ewc, ["replay"] = Replay, ["replayPolicy"] = ReplayPolicy.ToString(), ["replayNearest"] = ReplayNearest, ["selectThreshold"] = SelectThreshold,
                ["newRows"] = report.NewRows, ["selectedRows"] = report.SelectedRows, ["replayedRows"] = report.ReplayedRows, ["round"] = report.Round,
                ["duplicatesOfMemory"] = duplicates, ["memory"] = memoryReference, ["trainSeconds"] = seconds, ["primaryMetric"] = primary, ["metrics"] = metrics,
            };
            File.WriteAllText(Path.Combine(staging, ReportFile), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(target)) Directory.Delete(target);
            Directory.Move(staging, target);
            output.WriteLine($"wrote {target}");
            updated.Dispose();
            return 0;
        }
        catch
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
            throw;
        }
        finally { previous.Dispose(); }
    }
}
