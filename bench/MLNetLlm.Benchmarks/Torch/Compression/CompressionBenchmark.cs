using MLNetLlm.Numerics;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.IO;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Onnx;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Trainers;
using TorchSharp;
using static TorchSharp.torch;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Compression;

namespace MLNetLlm.Benchmarks.Torch.Compression;

/// <summary>
/// Fine-tunes a teacher on the SpamAssassin split, compresses it every way (float32 ONNX, dynamic int8, weight-only
/// int8, 50% unstructured pruning, structured head/FFN pruning, a distilled student, the student in int8) and reports
/// for each, side by side: model-file size, CPU latency at batch 1 and 32 on <see cref="CompressionBenchmarkOptions.Threads"/>
/// threads (tokenization included), and accuracy/F1 on the test split. Optionally times a BERT-base-shaped model too.
/// </summary>
public static class CompressionBenchmark
{
    public static CompressionBenchmarkResult Run(CompressionBenchmarkOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var log = o.Log ?? TextWriter.Null;
        torch.set_num_threads(o.Threads);
        string work = o.WorkDirectory ?? Directory.CreateTempSubdirectory("mlnetllm-bench-").FullName;
        Directory.CreateDirectory(work);
        var ml = new MLContext(seed: 1);
        var train = LoadSpam(o.TrainPath, o.MaxTrainRows);
        var test = LoadSpam(o.TestPath, 0);
        var testTexts = test.GetColumn<ReadOnlyMemory<char>>("Text").Select(t => t.ToString()).ToArray();
        log.WriteLine($"train {train.GetRowCount()} rows, test {test.GetRowCount()} rows; threads {o.Threads}");

        var (trained, teacherTime) = TrainTeacher(ml, train, o.PretrainedModelPath,
            new StudentSize(o.TeacherLayers, o.TeacherHiddenSize, o.TeacherAttentionHeads, o.TeacherIntermediateSize), o.Epochs, o.MaxLength, log);
        using var teacher = trained;

        var rows = new List<CompressionBenchmarkRow>();
        string Save(ITransformer model, string name)
        {
            string path = Path.Combine(work, name + ".mlnetllm");
            ml.Llm().Model.Save(model, train.Schema, path);
            return path;
        }
        (double? Accuracy, double? F1) Quality(ITransformer model)
        {
            var m = ml.BinaryClassification.EvaluateNonCalibrated(model.Transform(test));
            return (m.Accuracy, m.F1Score);
        }
        void Add(string variant, string runtime, ITransformer model, Func<IReadOnlyList<string>, float[][]> score, TimeSpan time)
        {
            long bytes = new FileInfo(Save(model, variant.Replace(' ', '-').Replace('%', 'p'))).Length;
            var (b1, b32) = Latency(score, testTexts, o.Batch1Repeats, o.Batch32Repeats);
            var (acc, f1) = Quality(model);
            var row = new CompressionBenchmarkRow(variant, runtime, bytes, b1, b32, acc, f1, time);
            rows.Add(row);
            log.WriteLine($"{variant}: {bytes / 1e6:F2} MB, batch1 {b1:F1} ms, batch32 {b32:F1} ms, acc {acc:P2}, F1 {f1:P2}");
        }

        Add("fp32 teacher", "TorchSharp", teacher, t => teacher.Model.Predict(t, null, 32), teacherTime);
        CompressedTextClassificationTransformer Compress<T>(IEstimator<T> estimator, string variant, out TimeSpan time) where T : ITransformer
        {
            var s = Stopwatch.StartNew();
            var model = (CompressedTextClassificationTransformer)(object)estimator.Fit(train);
            time = s.Elapsed;
            log.WriteLine($"{variant} compressed in {time.TotalSeconds:F0} s");
            return model;
        }
        void AddCompressed(string variant, CompressedTextClassificationTransformer model, TimeSpan time) =>
            Add(variant, "ONNX Runtime", model, t => model.Score(t, null), time);

        QuantizationOptions Q(QuantizationMode mode) => new() { Mode = mode, Threads = o.Threads };
        using (var m = Compress(ml.Llm().Quantize(teacher, Q(QuantizationMode.None)), "fp32 ONNX", out var t)) AddCompressed("fp32 ONNX", m, t);
        using (var m = Compress(ml.Llm().Quantize(teacher, Q(QuantizationMode.DynamicInt8)), "dynamic int8", out var t)) AddCompressed("dynamic int8", m, t);
        using (var m = Compress(ml.Llm().Quantize(teacher, Q(QuantizationMode.WeightOnlyInt8)), "weight-only int8", out var t)) AddCompressed("weight-only int8", m, t);
        using (var m = Compress(ml.Llm().Prune(teacher, new PruningOptions { Sparsity = 0.5, RecoveryEpochs = 1, Threads = o.Threads, Device = "cpu" }), "pruned 50%", out var t))
            AddCompressed("pruned 50% (unstructured)", m, t);
        using (var m = Compress(ml.Llm().Prune(teacher, new PruningOptions { Sparsity = 0, HeadFraction = 0.5, FeedForwardFraction = 0.5, RecoveryEpochs = 1, Threads = o.Threads, Device = "cpu" }), "structured", out var t))
            AddCompressed("structured (50% heads + 50% FFN)", m, t);
        int studentLayers = Math.Max(1, teacher.Config.NumHiddenLayers / 2);
        using (var student = Compress(ml.Llm().Distill(teacher, new DistillationOptions
               {
                   StudentLayers = studentLayers, Temperature = 2, Alpha = 0.5, NumberOfEpochs = o.Epochs, LearningRate = 3e-4, Threads = o.Threads, Device = "cpu",
               }), "distilled", out var t))
        {
            AddCompressed($"distilled student ({studentLayers} of {teacher.Config.NumHiddenLayers} layers)", student, t);
            using var int8 = Compress(ml.Llm().Quantize(student, Q(QuantizationMode.DynamicInt8)), "distilled int8", out var t8);
            AddCompressed("distilled student + dynamic int8", int8, t + t8);
        }

        var bertBase = o.BertBaseShape ? BertBaseRows(o, work, log) : [];
        string settings = $"Teacher: {(o.PretrainedModelPath is null ? $"from scratch, {o.TeacherLayers} layers × {o.TeacherHiddenSize} hidden, {o.TeacherAttentionHeads} heads, FFN {o.TeacherIntermediateSize}" : o.PretrainedModelPath)}, "
            + $"{o.Epochs} epochs, max length {o.MaxLength}; train {train.GetRowCount()} rows ({o.TrainPath}), test {test.GetRowCount()} rows ({o.TestPath}); {o.Threads} threads; latency = median (tokenization included).";
        return new CompressionBenchmarkResult(rows, bertBase, Machine(), DateTime.UtcNow, settings);
    }

    /// <summary>A CSV with Text and Label (spam/ham) as Text (string) and Label (Boolean, spam = true).</summary>
    internal static IDataView LoadSpam(string path, int maxRows)
    {
        var table = DelimitedFile.Read(path);
        var texts = table.Column("Text");
        var labels = table.Column("Label");
        // The files are ordered by corpus folder (ham first), so a subset is a seeded random sample, kept in file order.
        var rows = Enumerable.Range(0, texts.Length).ToArray();
        if (maxRows > 0 && maxRows < rows.Length)
        {
            new Random(11).Shuffle(rows);
            rows = rows.Take(maxRows).Order().ToArray();
        }
        var y = rows.Select(i => labels[i] switch
        {
            "spam" => true,
            "ham" => false,
            _ => throw new DataFileException(path, $"expected 'spam' or 'ham', got '{labels[i]}'.", table.Lines[i], "Label"),
        }).ToArray();
        return DataViews.InMemoryDataView.FromColumns(
            ("Text", TextDataViewType.Instance, rows.Select(i => texts[i].AsMemory()).ToArray()),
            ("Label", BooleanDataViewType.Instance, y));
    }

    /// <summary>Median milliseconds of one single-row call and of one 32-row call (after one warm-up call each).</summary>
    internal static (double Batch1, double Batch32) Latency(Func<IReadOnlyList<string>, float[][]> score, IReadOnlyList<string> texts, int repeats1, int repeats32)
    {
        double Median(int repeats, int batch)
        {
            var times = new List<double>();
            for (int i = -1; i < repeats; i++)
            {
                var rows = Enumerable.Range(0, batch).Select(k => texts[((i + 1) * batch + k) % texts.Count]).ToArray();
                var sw = Stopwatch.StartNew();
                score(rows);
                if (i >= 0) times.Add(sw.Elapsed.TotalMilliseconds);
            }
            return Statistics.Median(times);
        }
        return (Median(repeats1, 1), Median(repeats32, 32));
    }

    /// <summary>Only the BERT-base-shaped size/latency table (no data, no training).</summary>
    public static CompressionBenchmarkResult RunBertBaseShape(CompressionBenchmarkOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        torch.set_num_threads(o.Threads);
        string work = o.WorkDirectory ?? Directory.CreateTempSubdirectory("mlnetllm-bench-").FullName;
        Directory.CreateDirectory(work);
        var rows = BertBaseRows(o, work, o.Log ?? TextWriter.Null);
        return new CompressionBenchmarkResult([], rows, Machine(), DateTime.UtcNow, $"{o.Threads} threads; latency = median of model calls on random token ids.");
    }

    private static List<CompressionBenchmarkRow> BertBaseRows(CompressionBenchmarkOptions o, string work, TextWriter log)
    {
        var config = new BertConfig { Labels = BertConfig.DefaultLabels(2) };
        using var model = new BertForSequenceClassification(config);
        model.InitializeWeights(new Generator(1));
        model.eval();
        const int sequence = 128;
        var rng = new Random(5);
        long[] Ids(int batch) => Enumerable.Range(0, batch * sequence).Select(_ => (long)rng.Next(1000, config.VocabSize)).ToArray();
        int r1 = o.BertBaseBatch1Repeats, r32 = o.BertBaseBatch32Repeats;
        string weights = Path.Combine(work, "bert-base.safetensors");
        MLNetLlm.Torch.Checkpoints.SafeTensors.Write(weights, model.HuggingFaceWeights());
        void Torch(int batch)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var ids = tensor(Ids(batch)).reshape(batch, sequence);
            model.Forward(ids, ones_like(ids), zeros_like(ids));
        }
        bool Wanted(string name) => o.BertBaseVariants.Count == 0 || o.BertBaseVariants.Any(v => name.Contains(v, StringComparison.OrdinalIgnoreCase));
        var variants = new List<(string Variant, string Runtime, long Bytes, TimeSpan Time, Action<int> Run)>();
        if (Wanted("fp32 TorchSharp")) variants.Add(("fp32", "TorchSharp", new FileInfo(weights).Length, TimeSpan.Zero, Torch));
        var sessions = new List<(string File, string Variant, OnnxSequenceClassifier Session)>();
        string? profile = o.ProfileDirectory;
        if (profile is not null) Directory.CreateDirectory(profile);
        try
        {
            foreach (var (variant, options) in BertBaseVariants().Where(v => Wanted(v.Variant)))
            {
                string file = variant.Replace(' ', '-').Replace("(", "").Replace(")", "");
                string path = Path.Combine(work, $"bert-base-{file}.onnx");
                var sw = Stopwatch.StartNew();
                long bytes = MLNetLlm.Torch.Compression.Bert.BertCompression.ExportOnnx(model, options, path);
                var time = sw.Elapsed;
                var session = OnnxSequenceClassifier.Open(path, o.Threads, profile is null ? null : Path.Combine(profile, $"bert-base-{file}-t{o.Threads}"),
                    profile is null ? null : Path.Combine(profile, $"bert-base-{file}.optimized.onnx"));
                sessions.Add((file, variant, session));
                variants.Add((variant, "ONNX Runtime", bytes, time,
                    batch => session.Logits(Ids(batch), Enumerable.Repeat(1L, batch * sequence).ToArray(), null, batch)));
            }
            if (variants.Count == 0)
                throw new ArgumentException($"No BERT-base variant matches {string.Join(", ", o.BertBaseVariants)}; variants: fp32 TorchSharp, {string.Join(", ", BertBaseVariants().Select(v => v.Variant))}.");
            // Interleaved: every round times each variant once, so load changes hit all variants alike. Each timed call
            // directly follows an untimed call of the same variant (warm caches, as in a server answering one request
            // after another); timing the first call after the other variants ran would charge each variant for
            // reloading its weights into the caches — measured 2026-11-23: int8 batch 1 ~200 ms cold vs ~150 ms warm.
            // The process CPU time per call is logged too: with 1 thread it is the call's own work, robust against a
            // loaded machine.
            using var process = Process.GetCurrentProcess();
            double[] Medians(int batch, int repeats)
            {
                var times = variants.Select(_ => new List<double>()).ToArray();
                var cpu = variants.Select(_ => new List<double>()).ToArray();
                for (int r = 0; r < repeats; r++)
                {
                    for (int v = 0; v < variants.Count; v++)
                    {
                        variants[v].Run(batch);
                        process.Refresh();
                        var cpu0 = process.TotalProcessorTime;
                        var sw = Stopwatch.StartNew();
                        variants[v].Run(batch);
                        times[v].Add(sw.Elapsed.TotalMilliseconds);
                        process.Refresh();
                        cpu[v].Add((process.TotalProcessorTime - cpu0).TotalMilliseconds);
                    }
                    log.WriteLine($"BERT-base batch {batch} round {r + 1}/{repeats}: {string.Join(", ", variants.Select((v, i) => $"{v.Variant} {v.Runtime} {times[i][^1]:F0} ms (CPU {cpu[i][^1]:F0} ms)"))}");
                }
                log.WriteLine($"BERT-base batch {batch} median CPU time per call (all threads): {string.Join(", ", variants.Select((v, i) => $"{v.Variant} {v.Runtime} {Statistics.Median(cpu[i]):F0} ms"))}");
                return times.Select(Statistics.Median).ToArray();
            }
            double[] b1 = Medians(1, r1), b32 = Medians(32, r32);
            var rows = variants.Select((v, i) => new CompressionBenchmarkRow(v.Variant, v.Runtime, v.Bytes, b1[i], b32[i], null, null, v.Time)).ToList();
            foreach (var row in rows) log.WriteLine($"BERT-base {row}");
            if (profile is not null)
            {
                // Each session ran: warm-up + r1 calls at batch 1, then warm-up + r32 calls at batch 32.
                foreach (var (file, variant, session) in sessions)
                {
                    string trace = session.EndProfiling();
                    var md = new StringBuilder();
                    md.AppendLine(CultureInfo.InvariantCulture, $"BERT-base {variant}, {o.Threads} threads, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}");
                    md.AppendLine();
                    foreach (var (batch, first, last) in new[] { (1, 1, r1), (32, r1 + 2, r1 + 1 + r32) })
                    {
                        var (ops, runMs) = OnnxProfileSummary.Summarize(trace, first, last);
                        md.AppendLine(OnnxProfileSummary.ToMarkdown($"batch {batch}", ops, runMs));
                    }
                    File.WriteAllText(Path.Combine(profile, $"profile-{file}-t{o.Threads}.md"), md.ToString());
                    log.WriteLine(md.ToString());
                }
            }
            return rows;
        }
        finally
        {
            foreach (var s in sessions) s.Session.Dispose();
        }
    }

    /// <summary>
    /// The ONNX variants timed on the BERT-base shape: each mode as exported by default (fused ONNX Runtime contrib
    /// operators) and fp32 / dynamic int8 also in standard ONNX operators, to show what the fused graph gains.
    /// </summary>
    private static IEnumerable<(string Variant, QuantizationOptions Options)> BertBaseVariants()
    {
        yield return ("fp32 (standard ops)", new QuantizationOptions { Mode = QuantizationMode.None, UseContribOperators = false });
        yield return ("fp32", new QuantizationOptions { Mode = QuantizationMode.None });
        yield return ("dynamic int8 (standard ops)", new QuantizationOptions { Mode = QuantizationMode.DynamicInt8, UseContribOperators = false });
        yield return ("dynamic int8", new QuantizationOptions { Mode = QuantizationMode.DynamicInt8 });
        yield return ("weight-only int8", new QuantizationOptions { Mode = QuantizationMode.WeightOnlyInt8 });
    }

    internal static string Machine() =>
        $"{Environment.ProcessorCount} logical cores ({CpuName()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}, TorchSharp 0.107 / libtorch 2.10 CPU, ONNX Runtime 1.31, load average {LoadAverage()}";

    private static string CpuName()
    {
        try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown CPU"; }
        catch (IOException) { return "unknown CPU"; }
    }

    internal static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }

    /// <summary>Writes a training progress line every 20 steps and at epoch ends (synchronously, unlike Progress&lt;T&gt;).</summary>
    /// <summary>
    /// Trains a benchmark teacher on CPU — from <paramref name="pretrained"/> when given, else from scratch at
    /// <paramref name="size"/> — logging progress, and returns it with its training time.
    /// </summary>
    internal static (TextClassificationTransformer Teacher, TimeSpan Time) TrainTeacher(MLContext ml, IDataView train, string? pretrained,
        StudentSize size, int epochs, int maxLength, TextWriter log, double? learningRate = null, int? batchSize = null)
    {
        var options = new TextClassificationTrainer.Options
        {
            PretrainedModelPath = pretrained,
            ScratchLayers = size.Layers,
            ScratchHiddenSize = size.Hidden,
            ScratchAttentionHeads = size.EffectiveHeads,
            ScratchIntermediateSize = size.EffectiveIntermediate,
            NumberOfEpochs = epochs,
            MaxLength = maxLength,
            Device = "cpu",
            InferenceBatchSize = 32,
            Progress = new LogProgress(log, "teacher"),
        };
        if (learningRate is double lr) options.LearningRate = lr;
        if (batchSize is int b) options.BatchSize = b;
        var sw = Stopwatch.StartNew();
        var teacher = ml.Llm().TextClassification(options).Fit(train);
        log.WriteLine($"teacher trained in {sw.Elapsed.TotalSeconds:F0} s");
        return (teacher, sw.Elapsed);
    }

    /// <summary>Logs training progress every epoch and every 50 steps, prefixed with what is being trained.</summary>
    internal sealed class LogProgress(TextWriter log, string what) : IProgress<MLNetLlm.Torch.Training.TrainingProgress>
    {
        public void Report(MLNetLlm.Torch.Training.TrainingProgress value)
        {
            if (value.IsEpochEnd || value.Step % 50 == 0) log.WriteLine($"  {what} {value}");
        }
    }
}
