using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Cli.Evaluation;
using MLNetLlm.Cli.Training;
using MLNetLlm.DataViews;
using MLNetLlm.IO;
using MLNetLlm.Torch.Compression;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Cli.Compression;

/// <summary>
/// One <c>compress</c> run: load a model file written by <c>train --trainer bert</c>, replace its BERT classifier by
/// the quantized / pruned / distilled one (normalization and the other stages stay), save it with the original's
/// metadata (so <c>predict</c>, <c>evaluate</c> and <c>serve</c> use it unchanged), and compare the two models.
/// </summary>
internal sealed class CompressionRun
{
    /// <summary>The side-by-side table's file name in the output folder.</summary>
    public const string ReportFileName = "compression.md";

    public required string ModelPath { get; init; }
    public required CompressionSettings Settings { get; init; }
    public required string? Output { get; init; }
    public string? Dataset { get; init; }
    public string? TestDataset { get; init; }
    public string? LabelColumn { get; init; }
    public IReadOnlyList<string>? TextColumns { get; init; }

    /// <summary>Timed calls per model at batch 1 (batch 32 gets a quarter, at least 5); 0 skips the latency measurement.</summary>
    public int LatencyRepeats { get; init; } = 20;

    /// <summary>Untimed calls per model and batch size before the timed ones (JIT, thread pools, caches). Default 3.</summary>
    public int LatencyWarmUp { get; init; } = 3;

    public CompressionReport Execute(TextWriter log)
    {
        Settings.Validate();
        if (string.IsNullOrWhiteSpace(Output)) throw new CliException("--output is required: the folder the compressed model is written to.");
        if (LatencyRepeats is < 0 or > 10_000) throw new CliException($"--latency-repeats must be between 0 and 10000, not {LatencyRepeats}.");
        if (LatencyWarmUp is < 0 or > 1000) throw new CliException($"--latency-warmup must be between 0 and 1000, not {LatencyWarmUp}.");
        if (!File.Exists(ModelPath)) throw new CliException($"Model file '{ModelPath}' does not exist.");
        if (Settings.Trains && Dataset == null)
            throw new CliException($"--method {Settings.Method} fine-tunes the model: give labeled training data with --dataset.");
        if (Settings.Threads > 0) TorchSharp.torch.set_num_threads(Settings.Threads);

        var ml = new MLContext(Settings.Seed);
        var metadata = ml.Llm().Model.ReadMetadata(ModelPath);
        var signature = ModelSignature.FromMetadata(metadata, ModelPath);
        var original = ml.Llm().Model.Load(ModelPath, out var inputSchema);
        var stages = original is IEnumerable<ITransformer> chain ? chain.ToList() : [original];
        int at = FindClassifier(stages, metadata);
        var classifier = stages[at];
        try
        {
            var readAs = new ModelSignature
            {
                Task = signature.Task, LabelColumn = LabelColumn ?? signature.LabelColumn, TextColumns = signature.TextColumns, Classes = signature.Classes,
                PositiveLabel = signature.PositiveLabel, NegativeLabel = signature.NegativeLabel,
            };
            var train = Dataset == null ? null : Load(ml, Dataset, readAs, signature);
            var test = TestDataset == null ? null : Load(ml, TestDataset, readAs, signature);

            // The classifier sees the text as the stages before it (normalization) leave it.
            var before = new TransformerChain<ITransformer>(stages.Take(at).ToArray());
            IDataView fitData = before.Transform(train?.View ?? test?.View ?? Empty(signature));
            log.WriteLine($"Compressing {ModelPath} with {Settings.Describe()}{(train != null ? $" on {train.Rows} rows of '{train.Source}'" : "")}");
            var watch = Stopwatch.StartNew();
            CompressedTextClassificationTransformer compressed;
            try { compressed = Settings.Estimator(ml, classifier, signature.TextColumns, ModelSignature.LabelColumnName).Fit(fitData); }
            catch (ArgumentException ex) { throw new CliException($"{Settings.Method}: {ex.Message}", ex); }
            double seconds = watch.Elapsed.TotalSeconds;
            log.WriteLine($"Compressed in {seconds:0.0}s");
            using (compressed)
            {
                var model = new TransformerChain<ITransformer>([.. stages.Take(at), compressed, .. stages.Skip(at + 1)]);
                string output = Path.GetFullPath(Output);
                Directory.CreateDirectory(output);
                string path = Path.Combine(output, TrainingRun.ModelFileName);
                var saved = new Dictionary<string, string>(metadata)
                {
                    ["pipeline"] = $"{metadata.GetValueOrDefault("pipeline", "BERT")} → {Settings.Describe()}",
                    ["compression"] = Settings.Describe(),
                    ["compressedFrom"] = Path.GetFullPath(ModelPath),
                };
                ml.Llm().Model.Save(model, inputSchema, path, saved);

                var report = Compare(ml, signature, original, model, path, test ?? train, test, seconds);
                report.Save(Path.Combine(output, TrainingRun.MetricsFileName));
                File.WriteAllText(Path.Combine(output, ReportFileName), report.Markdown());
                log.WriteLine();
                log.Write(report.Table());
                if (report.LatencySetup is { } latency) log.WriteLine($"Latency: {latency}.");
                log.WriteLine();
                log.WriteLine($"Model:  {path}");
                log.WriteLine($"Report: {Path.Combine(output, ReportFileName)}");
                return report;
            }
        }
        finally
        {
            (classifier as IDisposable)?.Dispose();
        }
    }

    /// <summary>The index of the BERT classifier among the model's stages, or an error saying why this model cannot be compressed.</summary>
    int FindClassifier(List<ITransformer> stages, IReadOnlyDictionary<string, string> metadata)
    {
        int at = stages.FindIndex(s => s is TextClassificationTransformer);
        if (at >= 0) return at;
        if (stages.OfType<CompressedTextClassificationTransformer>().FirstOrDefault() is { } done)
            throw new CliException($"'{ModelPath}' is already compressed ({metadata.GetValueOrDefault("compression", done.Quantization.ToString())}) and keeps no float32 weights: " +
                                   "compress the model file train wrote (steps can be combined with --mode dynamic-int8 on prune/distill).");
        string pipeline = metadata.GetValueOrDefault("pipeline", string.Join(" → ", stages.Select(s => s.GetType().Name)));
        throw new CliException($"'{ModelPath}' is not a BERT text classifier (its pipeline: {pipeline}): compress works on models trained with --trainer bert " +
                               "for --task binary or multiclass.");
    }

    sealed record Data(IDataView View, string Source, int Rows, IReadOnlyList<string[]> Texts);

    /// <summary>Reads a labeled file as the model's columns (label converted to what the classifier trained on).</summary>
    Data Load(MLContext ml, string file, ModelSignature readAs, ModelSignature signature)
    {
        var table = DelimitedFile.Read(file);
        if (table.Rows.Count == 0) throw new CliException($"'{table.Source}' has a header but no data rows.");
        var all = Enumerable.Range(0, table.Rows.Count).ToArray();
        IDataView view = LabeledData.Build(table, all, readAs, withLabel: true, sourceTextColumns: TextColumns);
        if (signature.Task == TaskKind.Multiclass) view = PipelineFactory.LabelToKey(ml, signature, view).Transform(view);
        var cols = (TextColumns ?? signature.TextColumns).Select(table.ColumnIndex).ToArray();
        var texts = table.Rows.Select(r => cols.Select(c => r[c]).ToArray()).ToArray();
        return new Data(view, table.Source, table.Rows.Count, texts);
    }

    static InMemoryDataView Empty(ModelSignature signature) =>
        InMemoryDataView.FromColumns(signature.TextColumns.Select(c => (c, (DataViewType)TextDataViewType.Instance, (Array)Array.Empty<ReadOnlyMemory<char>>())).ToArray());

    CompressionReport Compare(MLContext ml, ModelSignature signature, ITransformer original, ITransformer compressed, string compressedPath,
        Data? timing, Data? test, double seconds)
    {
        LatencyStats? b1o = null, b32o = null, b1c = null, b32c = null;
        string? setup = null;
        if (timing != null && LatencyRepeats > 0)
        {
            var meter = new LatencyMeter(signature.TextColumns, timing.Texts);
            int r32 = Math.Max(5, LatencyRepeats / 4);
            (b1o, b1c) = meter.Compare(original, compressed, 1, LatencyRepeats, LatencyWarmUp);
            (b32o, b32c) = meter.Compare(original, compressed, 32, r32, LatencyWarmUp);
            setup = $"{LatencyRepeats} (batch 1) / {r32} (batch 32) timed Transform calls per model after {LatencyWarmUp} warm-up call(s) each, " +
                    $"the two models alternating on the same rows of '{timing.Source}'; whole pipeline (normalization and tokenization included), " +
                    $"{(Settings.Threads > 0 ? $"{Settings.Threads} thread(s)" : "default threads")}, {Environment.ProcessorCount} cores, load {Load()}. " +
                    "Cells: median (interquartile range); a ratio of medians is given only when the ranges do not overlap, and only between these two interleaved series";
        }
        MetricsReport? mo = null, mc = null;
        double? agreement = null;
        if (test != null)
        {
            var so = original.Transform(test.View);
            var sc = compressed.Transform(test.View);
            mo = ModelEvaluator.Evaluate(ml, signature, so, test.Source, null);
            mc = ModelEvaluator.Evaluate(ml, signature, sc, test.Source, null);
            agreement = signature.Task == TaskKind.Binary ? Same<bool>(so, sc) : Same<uint>(so, sc);
        }
        return new CompressionReport
        {
            Method = Settings.Describe(), CompressSeconds = Math.Round(seconds, 3), LatencySetup = setup,
            Original = new ModelMeasurement(Path.GetFullPath(ModelPath), new FileInfo(ModelPath).Length, b1o, b32o, mo),
            Compressed = new ModelMeasurement(compressedPath, new FileInfo(compressedPath).Length, b1c, b32c, mc),
            Agreement = agreement,
        };
    }

    /// <summary>The 1-minute load average (Linux), or "unknown": latency on a shared machine needs it beside it.</summary>
    static string Load()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return "unknown"; }
    }

    static double Same<T>(IDataView a, IDataView b)
    {
        var x = a.GetColumn<T>("PredictedLabel").ToArray();
        var y = b.GetColumn<T>("PredictedLabel").ToArray();
        return x.Zip(y).Count(p => EqualityComparer<T>.Default.Equals(p.First, p.Second)) / (double)x.Length;
    }
}
