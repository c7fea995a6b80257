using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Cli.Commands;
using MLNetLlm.Cli.Evaluation;
using MLNetLlm.Cli.Training;
using MLNetLlm.Continual;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Continual;

/// <summary>
/// <c>update</c> of a linear (n-gram or embedding featurizer + linear trainer) model: the old model's fitted featurizer
/// is kept as is and the predictor continued from its weights by <see cref="LinearWarmStart"/> on the new rows (plus
/// <c>--replay N</c> rows drawn from the previous training data that run.json names).
/// </summary>
internal sealed partial class ModelUpdate
{
    /// <summary>L-BFGS iterations (or online passes) of a linear update (<c>--iterations</c>; default: <see cref="LinearWarmStart"/>'s).</summary>
    public int? Iterations { get; init; }

    /// <summary>L1 weight of a linear update's L-BFGS (<c>--l1</c>, default 0).</summary>
    public float L1 { get; init; }

    /// <summary>L2 weight of a linear update's L-BFGS (<c>--l2</c>, default 0.01).</summary>
    public float L2 { get; init; } = new LinearWarmStartOptions().L2Regularization;

    /// <summary>The trainer that made a linear model: the last trainer name <see cref="LinearWarmStart"/> knows in its pipeline metadata, else the pipeline's last step.</summary>
    internal static string LinearTrainerName(IReadOnlyDictionary<string, string> metadata)
    {
        string pipeline = metadata.TryGetValue("pipeline", out var p) ? p : "";
        var known = LinearWarmStart.Trainers.Select(t => (Name: t, At: pipeline.LastIndexOf(t, StringComparison.Ordinal))).Where(x => x.At >= 0).ToList();
        if (known.Count > 0) return known.MaxBy(x => x.At + x.Name.Length).Name;
        string last = pipeline.Split('→').Last().Trim();
        return last.Length > 0 ? last : "(unknown trainer)";
    }

    int RunLinear(TextWriter output, MLContext ml, string modelDir, string modelPath, string target, IReadOnlyDictionary<string, string> metadata,
        ModelSignature signature, List<ITransformer> stages, int at, RunConfig? previousRun, string? oldTest)
    {
        if (Ewc > 0) throw new CliException("--ewc applies to fine-tuned transformer models; a linear model is continued by warm start (--iterations, --l1, --l2, --replay).");
        if (SelectThreshold > 0) throw new CliException("--select-threshold applies to fine-tuned transformer models, not to a linear model.");
        if (!(L1 >= 0 && float.IsFinite(L1))) throw new CliException($"--l1 must be a number ≥ 0, not {L1.ToString(CultureInfo.InvariantCulture)}.");
        if (!(L2 >= 0 && float.IsFinite(L2))) throw new CliException($"--l2 must be a number ≥ 0, not {L2.ToString(CultureInfo.InvariantCulture)}.");
        if (Iterations is < 1) throw new CliException($"--iterations must be ≥ 1, not {Iterations}.");
        var predictor = (ISingleFeaturePredictionTransformer<object>)stages[at];
        string trainerName = LinearTrainerName(metadata);
        LinearWarmStart warm;
        try
        {
            warm = new LinearWarmStart(ml, new LinearWarmStartOptions
            {
                Trainer = trainerName, LabelColumnName = ModelSignature.LabelColumnName, FeatureColumnName = predictor.FeatureColumnName,
                NumberOfIterations = Iterations, L1Regularization = L1, L2Regularization = L2,
            });
        }
        catch (NotSupportedException e) { throw new CliException($"'{modelPath}': {e.Message}", e); }
        var featurizer = new TransformerChain<ITransformer>(stages.Take(at).ToArray());

        // the new rows: a seeded held-out share for the "new test" metrics unless a test file is given
        var table = DelimitedFile.Read(Dataset);
        LabeledData.CheckColumns(table, signature.LabelColumn, signature.TextColumns);
        var order = Enumerable.Range(0, table.Rows.Count).ToArray();
        new Random(Seed).Shuffle(order);
        int nTest = TestDataset is null ? Math.Max(1, (int)Math.Round(order.Length * Split)) : 0;
        if (order.Length - nTest < 1) throw new CliException($"--dataset '{Dataset}' has {table.Rows.Count} row(s): too few to train on.");
        var trainIdx = order.Skip(nTest).Order().ToArray();
        var testIdx = order.Take(nTest).Order().ToArray();

        // replayed rows: a seeded sample of the previous training data (run.json's dataset), in the new table's columns
        string[] columns = [.. signature.TextColumns, signature.LabelColumn];
        var rows = trainIdx.Select(r => columns.Select(c => table.Rows[r][table.ColumnIndex(c)]).ToArray()).ToList();
        int replayed = 0;
        if (Replay > 0)
        {
            string oldData = previousRun?.Dataset is { } d && File.Exists(d) ? d
                : throw new CliException($"--replay needs the previous training data: '{modelDir}' names none that exists in its {RunConfig.FileName}.");
            var old = DelimitedFile.Read(oldData);
            LabeledData.CheckColumns(old, signature.LabelColumn, signature.TextColumns);
            var pick = Enumerable.Range(0, old.Rows.Count).ToArray();
            new Random(Seed + 1).Shuffle(pick);
            foreach (var r in pick.Take(Replay))
                rows.Add(columns.Select(c => old.Rows[r][old.ColumnIndex(c)]).ToArray());
            replayed = Math.Min(Replay, pick.Length);
        }
        var merged = new DelimitedTable(table.Source + (replayed > 0 ? " + replay" : ""), columns, rows, Enumerable.Range(1, rows.Count).ToList());
        IDataView train = LabeledData.Build(merged, Enumerable.Range(0, rows.Count).ToArray(), signature);
        if (signature.Task == TaskKind.Multiclass) train = PipelineFactory.LabelToKey(ml, signature, train).Transform(train);
        train = ml.Data.Cache(featurizer.Transform(train));

        string staging = target + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(staging)) Directory.Delete(staging, true);
        Directory.CreateDirectory(staging);
        try
        {
            var started = DateTime.UtcNow;
            ISingleFeaturePredictionTransformer<object> continued;
            try { continued = warm.Fit(train, predictor); }
            catch (ArgumentException e) { throw new CliException($"'{modelPath}': {e.Message}", e); }
            double seconds = (DateTime.UtcNow - started).TotalSeconds;
            int round = (metadata.TryGetValue("continualRound", out var r0) && int.TryParse(r0, CultureInfo.InvariantCulture, out int r1) ? r1 : 1) + 1;
            output.WriteLine($"continued {trainerName} by warm-started {warm.ContinuedBy} in {seconds:F1} s on {trainIdx.Length} new rows + {replayed} replayed (old featurizer kept); round {round}");

            stages[at] = continued;
            var model = new TransformerChain<ITransformer>(stages.ToArray());
            var newMetadata = metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
            newMetadata["previousModel"] = modelPath;
            newMetadata["continualRound"] = round.ToString(CultureInfo.InvariantCulture);
            newMetadata["pipeline"] = (metadata.TryGetValue("pipeline", out var p) ? p + " ⇒ " : "") + $"warm start {warm.ContinuedBy}";
            ml.Llm().Model.Save(model, LabeledData.Build(table, trainIdx.Take(1).ToArray(), signature, withLabel: false).Schema, Path.Combine(staging, TrainingRun.ModelFileName), newMetadata);

            string? newTest = TestDataset;
            if (newTest is null)
            {
                newTest = Path.Combine(staging, NewTestFile);
                DelimitedFile.Write(newTest, table.Header, testIdx.Select(i => (IReadOnlyList<string>)table.Rows[i]));
            }
            var (metrics, primary) = CompareVersions(output, modelDir, modelPath, target, staging, oldTest, newTest);
            var json = new JsonObject
            {
                ["previousModel"] = modelDir, ["dataset"] = Path.GetFullPath(Dataset), ["oldTest"] = oldTest, ["newTest"] = TestDataset ?? NewTestFile,
                ["trainer"] = trainerName, ["continuedBy"] = warm.ContinuedBy, ["iterations"] = Iterations, ["l1"] = L1, ["l2"] = L2,
                ["replay"] = Replay, ["replayedRows"] = replayed, ["newRows"] = trainIdx.Length, ["round"] = round,
                ["trainSeconds"] = seconds, ["primaryMetric"] = primary, ["metrics"] = metrics,
            };
            File.WriteAllText(Path.Combine(staging, ReportFile), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            if (Directory.Exists(target)) Directory.Delete(target);
            Directory.Move(staging, target);
            output.WriteLine($"wrote {target}");
            return 0;
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
            throw;
        }
    }

    /// <summary>Every metric of the old and the new version on the old and the new test data, printed as a table of the primary metric.</summary>
    (JsonObject Metrics, string Primary) CompareVersions(TextWriter output, string modelDir, string modelPath, string target, string staging, string? oldTest, string newTest)
    {
        var metrics = new JsonObject();
        var lines = new List<string> { "| model | " + (oldTest != null ? "old test | " : "") + "new test |", "|---|" + (oldTest != null ? "---:|" : "") + "---:|" };
        string primary = "";
        foreach (var (name, path) in new[] { (Path.GetFileName(modelDir), modelPath), (Path.GetFileName(target), Path.Combine(staging, TrainingRun.ModelFileName)) })
        {
            var row = new JsonObject();
            var cells = new List<string>();
            foreach (var (set, data) in new[] { ("oldTest", oldTest), ("newTest", newTest) })
            {
                if (data is null) continue;
                var m = EvaluateCommand.Evaluate(path, data, null);
                primary = m.PrimaryMetric;
                row[set] = JsonSerializer.SerializeToNode(m.Metrics);
                cells.Add(MetricsReport.Format(m.Primary));
            }
            metrics[name] = row;
            lines.Add($"| {name} | {string.Join(" | ", cells)} |");
        }
        output.WriteLine($"{primary} on the old test data ({oldTest ?? "none: give --old-test"}) and the new ({(TestDataset ?? $"{Split:P0} of {Dataset} held out")}):");
        foreach (var l in lines) output.WriteLine(l);
        return (metrics, primary);
    }
}
