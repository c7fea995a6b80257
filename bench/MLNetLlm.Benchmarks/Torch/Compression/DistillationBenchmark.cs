using MLNetLlm.Numerics;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Trainers;
using static TorchSharp.torch;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Compression;
using MLNetLlm.Data.Cleaning;

namespace MLNetLlm.Benchmarks.Torch.Compression;

/// <summary>
/// The distillation experiment of issue 6 in one process: trains a teacher on the SpamAssassin split, distils each
/// student size from it (optionally also trains each student on hard labels only, the control), and reports side by
/// side the model-file size, CPU latency at batch 1 and 32 in TorchSharp and in ONNX Runtime (float32, tokenization
/// included; timed in interleaved rounds, every variant once per round, so machine load hits all alike) and
/// accuracy/F1 on the test split, with each student's speed-up over the teacher in the same runtime. With
/// <see cref="DistillationBenchmarkOptions.Int8"/> the teacher and every distilled student are also timed in dynamic
/// int8 (ONNX Runtime), the "distil, then quantize" end point. The teacher is trained from scratch or fine-tuned from a
/// pretrained checkpoint (<see cref="DistillationBenchmarkOptions.PretrainedModelPath"/>); a student as wide as the
/// teacher starts from its embeddings, evenly spaced layers, pooler and classifier, with the teacher's head size.
/// </summary>
public static class DistillationBenchmark
{
    public static DistillationBenchmarkResult Run(DistillationBenchmarkOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (o.Students.Count == 0) throw new ArgumentException("Give at least one student size.", nameof(o));
        var log = o.Log ?? TextWriter.Null;
        set_num_threads(o.Threads);
        string work = o.WorkDirectory ?? Directory.CreateTempSubdirectory("mlnetllm-distill-").FullName;
        Directory.CreateDirectory(work);
        var ml = new MLContext(seed: 1);
        var train = Normalized(CompressionBenchmark.LoadSpam(o.TrainPath, o.MaxTrainRows), o.Normalization);
        var test = Normalized(CompressionBenchmark.LoadSpam(o.TestPath, 0), o.Normalization);
        var testTexts = test.GetColumn<ReadOnlyMemory<char>>("Text").Select(t => t.ToString()).ToArray();
        string context = $"load average {CompressionBenchmark.LoadAverage()} at start";
        log.WriteLine($"train {train.GetRowCount()} rows, test {test.GetRowCount()} rows; threads {o.Threads}; {context}");

        var (trained, teacherTime) = o.TeacherModelPath is { } saved
            ? ((TextClassificationTransformer)TextClassificationTransformer.LoadFrom(ml, saved), TimeSpan.Zero)
            : CompressionBenchmark.TrainTeacher(ml, train, o.PretrainedModelPath, o.Teacher, o.TeacherEpochs, o.MaxLength, log,
                o.EffectiveTeacherLearningRate, o.BatchSize);
        using var teacher = trained;

        var variants = new List<Variant>();
        var disposables = new List<IDisposable>();
        try
        {
            long Size(ITransformer model, string name)
            {
                string path = Path.Combine(work, name + ".mlnetllm");
                ml.Llm().Model.Save(model, train.Schema, path);
                return new FileInfo(path).Length;
            }
            (double Accuracy, double F1) Quality(ITransformer model)
            {
                var m = ml.BinaryClassification.EvaluateNonCalibrated(model.Transform(test));
                return (m.Accuracy, m.F1Score);
            }
            CompressedTextClassificationTransformer Int8(ITransformer model) =>
                ml.Llm().Quantize(model, new QuantizationOptions { Mode = QuantizationMode.DynamicInt8, Threads = o.Threads }).Fit(train);
            var tq = Quality(teacher);
            var tokenizer = teacher.Model.Tokenizer;
            variants.Add(new("teacher", "TorchSharp", Size(teacher, "teacher"), tq, teacherTime, t => teacher.Model.Predict(t, null, 32), "teacher"));
            var teacherOnnx = ml.Llm().Quantize(teacher, new QuantizationOptions { Mode = QuantizationMode.None, Threads = o.Threads }).Fit(train);
            disposables.Add(teacherOnnx);
            variants.Add(new("teacher", "ONNX Runtime", Size(teacherOnnx, "teacher-onnx"), tq, teacherTime, t => teacherOnnx.Score(t, null), "teacher"));
            log.WriteLine($"teacher {Shape(teacher.Config)}: acc {tq.Accuracy:P2} F1 {tq.F1:P2}");
            if (o.Int8)
            {
                var s8 = Stopwatch.StartNew();
                var teacherInt8 = Int8(teacher);
                disposables.Add(teacherInt8);
                var q8 = Quality(teacherInt8);
                log.WriteLine($"teacher + dynamic int8: acc {q8.Accuracy:P2} F1 {q8.F1:P2}");
                variants.Add(new("teacher + dynamic int8", "ONNX Runtime", Size(teacherInt8, "teacher-int8"), q8, teacherTime + s8.Elapsed, t => teacherInt8.Score(t, null), "teacher"));
            }

            foreach (var size in o.Students)
            {
                var runs = new List<(string Name, double Alpha)> { ($"student {size.Layers}×{size.Hidden} distilled", o.Alpha) };
                if (o.HardLabelControl) runs.Add(($"student {size.Layers}×{size.Hidden} hard labels only", 0));
                foreach (var (name, alpha) in runs)
                {
                    var s = Stopwatch.StartNew();
                    var student = ml.Llm().Distill(teacher, new DistillationOptions
                    {
                        StudentLayers = size.Layers,
                        StudentHiddenSize = size.Hidden,
                        // Unset heads / FFN take the library defaults: the teacher's head size (a same-width student's
                        // copied attention then splits into the teacher's heads) and the teacher's FFN width.
                        StudentAttentionHeads = size.Heads,
                        StudentIntermediateSize = size.Intermediate,
                        Temperature = o.Temperature,
                        Alpha = alpha,
                        HiddenStateWeight = alpha == 0 ? 0 : o.HiddenStateWeight,
                        NumberOfEpochs = o.StudentEpochs,
                        LearningRate = o.EffectiveStudentLearningRate,
                        BatchSize = o.BatchSize,
                        Threads = o.Threads,
                        Device = "cpu",
                    }).Fit(train);
                    var time = s.Elapsed;
                    disposables.Add(student);
                    var q = Quality(student);
                    var torchModel = student.TorchModel!;
                    log.WriteLine($"{name} {Shape(torchModel.Config)}: trained in {time.TotalSeconds:F0} s, acc {q.Accuracy:P2} F1 {q.F1:P2}");
                    string file = name.Replace(' ', '-').Replace('×', 'x');
                    long bytes = Size(student, file);
                    variants.Add(new(name, "ONNX Runtime", bytes, q, time, t => student.Score(t, null), name));
                    variants.Add(new(name, "TorchSharp", bytes, q, time, t => MLNetLlm.Torch.Compression.Bert.BertCompression.Logits(torchModel, tokenizer, t, null, o.MaxLength, CPU), name));
                    if (o.Int8 && alpha > 0)
                    {
                        var s8 = Stopwatch.StartNew();
                        var int8 = Int8(student);
                        disposables.Add(int8);
                        var q8 = Quality(int8);
                        log.WriteLine($"{name} + dynamic int8: acc {q8.Accuracy:P2} F1 {q8.F1:P2}");
                        variants.Add(new(name + " + dynamic int8", "ONNX Runtime", Size(int8, file + "-int8"), q8, time + s8.Elapsed, t => int8.Score(t, null), name));
                    }
                }
            }

            log.WriteLine($"timing {variants.Count} variants: {o.Batch1Rounds} rounds at batch 1, {o.Batch32Rounds} at batch 32 (interleaved); load average {CompressionBenchmark.LoadAverage()}");
            var b1 = InterleavedMedians(variants.Select(v => v.Score).ToList(), testTexts, 1, o.Batch1Rounds);
            var b32 = InterleavedMedians(variants.Select(v => v.Score).ToList(), testTexts, 32, o.Batch32Rounds);
            var rows = variants.Select((v, i) => new DistillationBenchmarkRow(v.Name, v.Runtime, v.Bytes, b1[i], b32[i], v.Quality.Accuracy, v.Quality.F1, v.TrainTime)).ToList();
            context += $", {CompressionBenchmark.LoadAverage()} at the end";
            string teacherText = o.TeacherModelPath is not null ? $"loaded from {o.TeacherModelPath} {Shape(teacher.Config)} (fine-tuned earlier, not trained here)"
                : o.PretrainedModelPath is null ? $"from scratch {o.Teacher}" : $"fine-tuned from {o.PretrainedLabel ?? o.PretrainedModelPath} {Shape(teacher.Config)}";
            string lrText = o.EffectiveTeacherLearningRate is double tlr ? $"lr {tlr}" : "the trainer's pretrained default lr (encoder 5e-5, head 1e-3, 10 % warm-up)";
            string text = o.Normalization is null ? "raw text" : o.Normalization.StripEmailHeaders ? "normalized text, e-mail headers stripped" : "normalized text";
            string teacherTraining = o.TeacherModelPath is null ? $"{o.TeacherEpochs} epochs at {lrText}" : "training not part of this run";
            string settings = $"Teacher {teacherText}, {teacherTraining}; students {o.StudentEpochs} epochs at lr {o.EffectiveStudentLearningRate}, "
                + $"T {o.Temperature}, α {o.Alpha}, hidden-state weight {o.HiddenStateWeight}; batch {o.BatchSize}, max length {o.MaxLength}; "
                + $"{text}; train {train.GetRowCount()} rows, test {test.GetRowCount()} rows; {o.Threads} threads; latency = median of {o.Batch1Rounds} / {o.Batch32Rounds} interleaved rounds (tokenization included).";
            return new DistillationBenchmarkResult(rows, CompressionBenchmark.Machine(), context, DateTime.UtcNow, settings);
        }
        finally
        {
            foreach (var d in disposables) d.Dispose();
        }
    }

    /// <summary>Layers × hidden, heads and FFN width of a model, for the log and the settings line.</summary>
    internal static string Shape(BertConfig c) => $"{c.NumHiddenLayers}×{c.HiddenSize} ({c.NumAttentionHeads} heads, FFN {c.IntermediateSize})";

    /// <summary>
    /// The data view with its Text column replaced by <see cref="TextNormalizer.Normalize"/> of it (once, in memory), so
    /// training, evaluation and timing all see the cleaned text; <paramref name="options"/> null returns the view as is.
    /// </summary>
    internal static IDataView Normalized(IDataView data, TextNormalizerOptions? options)
    {
        if (options is null) return data;
        var texts = data.GetColumn<ReadOnlyMemory<char>>("Text").Select(t => TextNormalizer.Normalize(t.ToString(), options).AsMemory()).ToArray();
        var labels = data.GetColumn<bool>("Label").ToArray();
        return DataViews.InMemoryDataView.FromColumns(("Text", TextDataViewType.Instance, texts), ("Label", BooleanDataViewType.Instance, labels));
    }

    private sealed record Variant(string Name, string Runtime, long Bytes, (double Accuracy, double F1) Quality, TimeSpan TrainTime,
        Func<IReadOnlyList<string>, float[][]> Score, string Group);

    /// <summary>
    /// Median milliseconds per call of every scorer at <paramref name="batch"/> rows: <paramref name="rounds"/> rounds
    /// that time each scorer once on the same rows, in turn; each timed call directly follows an untimed call of the
    /// same scorer (warm caches, the protocol of the BERT-base benchmark in <see cref="CompressionBenchmark"/>).
    /// </summary>
    internal static double[] InterleavedMedians(IReadOnlyList<Func<IReadOnlyList<string>, float[][]>> scorers, IReadOnlyList<string> texts, int batch, int rounds)
    {
        var times = scorers.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
        {
            var rows = Enumerable.Range(0, batch).Select(k => texts[(r * batch + k) % texts.Count]).ToArray();
            for (int i = 0; i < scorers.Count; i++)
            {
                scorers[i](rows);
                var sw = Stopwatch.StartNew();
                scorers[i](rows);
                times[i].Add(sw.Elapsed.TotalMilliseconds);
            }
        }
        return times.Select(Statistics.Median).ToArray();
    }
}
