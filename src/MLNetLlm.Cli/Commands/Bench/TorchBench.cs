using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.DataViews;
using MLNetLlm.IO;
using MLNetLlm.Torch;
using MLNetLlm.Benchmarks.Torch;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Cli.Commands.Bench;

/// <summary>
/// <c>mlnet-llm bench torch cpu|gpu|spam</c>: TorchSharp BERT throughput (train step and inference) on the CPU or a CUDA
/// device, and the SpamAssassin accuracy of a from-scratch BERT against FeaturizeText + SDCA. This file is also compiled
/// into <c>bench/MLNetLlm.Bench</c>, the GPU runner without ASP.NET Core (see docs/benchmarks.md).
/// </summary>
internal static class TorchBench
{
    /// <summary>The <c>torch</c> command; <paramref name="guard"/> turns failures into one error line and an exit code.</summary>
    public static Command Create(TextWriter output, Func<Func<int>, int> guard)
    {
        var threads = new Option<int>("--threads") { Description = "cpu/spam: libtorch threads (default 2).", DefaultValueFactory = _ => 2 };
        var steps = new Option<int?>("--steps") { Description = "cpu/gpu: timed steps per configuration (default 10 on cpu, 20 on gpu)." };
        var device = new Option<string>("--device") { Description = "gpu: the CUDA device (default cuda).", DefaultValueFactory = _ => "cuda" };
        var peakFp32 = new Option<double>("--peak-fp32") { Description = "gpu: dense fp32 peak TFLOP/s for MFU (default 67, H100 SXM).", DefaultValueFactory = _ => 67 };
        var peakTf32 = new Option<double>("--peak-tf32") { Description = "gpu: dense TF32 peak TFLOP/s (default 494.7).", DefaultValueFactory = _ => 494.7 };
        var peakBf16 = new Option<double>("--peak-bf16") { Description = "gpu: dense bf16 peak TFLOP/s (default 989.4).", DefaultValueFactory = _ => 989.4 };
        var train = new Option<string>("--train") { Description = "spam: training CSV (default data/spam/full/train.csv).", DefaultValueFactory = _ => "data/spam/full/train.csv" };
        var test = new Option<string>("--test") { Description = "spam: test CSV (default data/spam/full/test.csv).", DefaultValueFactory = _ => "data/spam/full/test.csv" };
        var epochs = new Option<int>("--epochs") { Description = "spam: epochs (default 3).", DefaultValueFactory = _ => 3 };
        var maxLength = new Option<int>("--max-length") { Description = "spam: tokens per mail (default 128).", DefaultValueFactory = _ => 128 };
        var batch = new Option<int>("--batch") { Description = "spam: rows per batch (default 16).", DefaultValueFactory = _ => 16 };
        var lr = new Option<double?>("--lr") { Description = "spam: peak learning rate (default: the trainer's)." };
        var skipBaseline = new Option<bool>("--skip-baseline") { Description = "spam: do not train FeaturizeText + SDCA." };
        var baselineOnly = new Option<bool>("--baseline-only") { Description = "spam: train only FeaturizeText + SDCA." };
        var normalize = new Option<bool>("--normalize") { Description = "spam: NormalizeText (defaults: NFKC, case folding, HTML to text, whitespace) before the BERT; the baseline stays on raw text." };
        var stripHeaders = new Option<bool>("--strip-email-headers") { Description = "spam: with --normalize, drop e-mail headers except the Subject, so the first tokens are the message." };
        var keepHeaders = new Option<string?>("--keep-email-headers") { Description = "spam: with --strip-email-headers, keep these header fields (comma-separated, e.g. From,To,List-Id,Precedence) as 'name: value' lines after the Subject." };
        var minSteps = new Option<int?>("--min-steps") { Description = "spam: fewest optimizer steps (default: the trainer's, 500 with --pretrained; 0 keeps --epochs as given)." };
        var pretrained = new Option<string?>("--pretrained") { Description = "spam: fine-tune this pretrained encoder (catalogue name, HF folder or .onnx) instead of a BERT from scratch." };
        var scores = new Option<string?>("--scores") { Description = "spam: write each test mail's label and the positive-class probability of each model to this CSV (Row,Label,Baseline,Model), for error analysis and ensembles." };
        var saveModel = new Option<string?>("--save-model") { Description = "spam: save the fine-tuned BERT to this folder (reloadable by TextClassificationTransformer.LoadFrom; 'bench distill --teacher-model DIR'; its model/ subfolder is a HF checkpoint)." };

        var cpu = new Command("cpu", "Train-step and inference throughput of tiny/small BERT configurations on the CPU.") { threads, steps };
        cpu.SetAction(p => guard(() =>
        {
            output.WriteLine($"CPU benchmark, {p.GetValue(threads)} thread(s), {Environment.ProcessorCount} logical CPUs visible; {Load()}");
            TorchBenchmark.RunCpu(p.GetValue(threads), p.GetValue(steps) ?? 10, r => output.WriteLine(r));
            return 0;
        }));

        var gpu = new Command("gpu", "BERT-base train steps (fp32, TF32, bf16) on CUDA: samples/s, TFLOP/s, MFU and the ratio to eager PyTorch.")
            { device, steps, peakFp32, peakTf32, peakBf16 };
        gpu.SetAction(p => guard(() =>
        {
            var peak = new Dictionary<BenchmarkPrecision, double>
            {
                [BenchmarkPrecision.Float32] = p.GetValue(peakFp32), [BenchmarkPrecision.TF32] = p.GetValue(peakTf32), [BenchmarkPrecision.BFloat16] = p.GetValue(peakBf16),
            };
            // HuggingFace eager PyTorch 2.11 on an H100, same shapes (the issue's anchors), samples/s.
            var anchor = new Dictionary<(BenchmarkPrecision, int), double>
            {
                [(BenchmarkPrecision.Float32, 32)] = 526, [(BenchmarkPrecision.TF32, 32)] = 1078,
                [(BenchmarkPrecision.BFloat16, 32)] = 952, [(BenchmarkPrecision.BFloat16, 128)] = 2957,
            };
            // Resolve first: a machine without CUDA gets the reason (and what to do) as the one error line.
            try { MLNetLlm.Torch.Devices.TorchDevice.Resolve(p.GetValue(device)); }
            catch (InvalidOperationException ex) { throw new CliException(ex.Message, ex); }
            output.WriteLine($"GPU benchmark on {p.GetValue(device)}; {Load()}");
            output.WriteLine("| precision | batch | samples/s | ms/step | TFLOP/s | MFU | PyTorch anchor | ratio |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            TorchBenchmark.RunGpu(p.GetValue(device)!, p.GetValue(steps) ?? 20, r =>
            {
                double a = anchor.GetValueOrDefault((r.Precision, r.BatchSize));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Precision} | {r.BatchSize} | {r.SamplesPerSecond:F0} | {r.MillisecondsPerStep:F1} | {r.TeraFlopsPerSecond:F1} | {r.Mfu(peak[r.Precision]):P1} | {a:F0} | {r.SamplesPerSecond / a:F2}× |"));
            });
            return 0;
        }));

        var spam = new Command("spam", "SpamAssassin: a BERT trained from scratch against FeaturizeText + SDCA on the same split (CPU).")
            { train, test, epochs, maxLength, batch, lr, threads, skipBaseline, baselineOnly, normalize, stripHeaders, keepHeaders, pretrained, minSteps, scores, saveModel };
        spam.SetAction(p => guard(() =>
        {
            if (p.GetValue(stripHeaders) && !p.GetValue(normalize)) throw new CliException("--strip-email-headers needs --normalize.");
            string[] kept = p.GetValue(keepHeaders)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            if (kept.Length > 0 && !p.GetValue(stripHeaders)) throw new CliException("--keep-email-headers needs --strip-email-headers.");
            if (kept.FirstOrDefault(f => !f.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) is { } bad)
                throw new CliException($"--keep-email-headers: '{bad}' is not a header field name (letters, digits and '-').");
            var normalization = p.GetValue(normalize) ? new TextNormalizerOptions { StripEmailHeaders = p.GetValue(stripHeaders), KeepEmailHeaders = kept } : null;
            Spam(output, p.GetValue(train)!, p.GetValue(test)!, p.GetValue(threads), p.GetValue(skipBaseline), p.GetValue(baselineOnly), normalization,
                p.GetValue(scores), p.GetValue(saveModel),
                new TextClassificationTrainer.Options
                {
                    NumberOfEpochs = p.GetValue(epochs), MaxLength = p.GetValue(maxLength), BatchSize = p.GetValue(batch), LearningRate = p.GetValue(lr), Device = "cpu",
                    MinimumTrainingSteps = p.GetValue(minSteps),
                    PretrainedModelPath = p.GetValue(pretrained) is { } pre ? ResolvePretrained(pre, output) : null,
                });
            return 0;
        }));
        return new Command("torch", "TorchSharp BERT benchmarks: cpu, gpu, spam.") { cpu, gpu, spam };
    }

    /// <summary>The date and the machine's load average, printed with every result (the VM is shared).</summary>
    internal static string Load()
    {
        string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        return string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {load}, {Environment.ProcessorCount} cores");
    }

    static void Spam(TextWriter output, string trainPath, string testPath, int threads, bool skipBaseline, bool baselineOnly,
        TextNormalizerOptions? normalization, string? scoresPath, string? saveModelPath, TextClassificationTrainer.Options options)
    {
        TorchSharp.torch.set_num_threads(threads);
        var ml = new MLContext(seed: 1);
        IDataView Read(string path)
        {
            var table = DelimitedFile.Read(path);
            var labels = table.Column("Label");
            return InMemoryDataView.FromColumns(
                ("Text", TextDataViewType.Instance, table.Column("Text").Select(t => t.AsMemory()).ToArray()),
                ("Label", BooleanDataViewType.Instance, labels.Select(l => l == "spam").ToArray()));
        }
        var trainData = Read(trainPath);
        var testData = Read(testPath);
        output.WriteLine($"train {trainData.GetRowCount()} rows ({trainPath}), test {testData.GetRowCount()} rows ({testPath}); {threads} thread(s); {Load()}");
        void Report(string name, CalibratedBinaryClassificationMetrics m, TimeSpan time) =>
            output.WriteLine($"{name}: accuracy {m.Accuracy:F4}  F1 {m.F1Score:F4}  AUC {m.AreaUnderRocCurve:F4}  train time {time.TotalSeconds:F0} s");

        var sw = Stopwatch.StartNew();
        float[]? baselineProbabilities = null;
        if (!skipBaseline)
        {
            var baseline = ml.Transforms.Text.FeaturizeText("Features", "Text").AppendCacheCheckpoint(ml)
                .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression()).Fit(trainData);
            var scored = baseline.Transform(testData);
            Report("FeaturizeText+SDCA", ml.BinaryClassification.Evaluate(scored), sw.Elapsed);
            baselineProbabilities = scored.GetColumn<float>("Probability").ToArray();
        }
        if (baselineOnly)
        {
            if (scoresPath is not null) WriteScores(scoresPath, testData, baselineProbabilities, null);
            return;
        }
        var printer = new EpochPrinter(output);
        options.Progress = printer;
        sw.Restart();
        // The trainer reads "Text"; with --normalize it reads the normalized copy written over it.
        var normalizer = normalization is null ? null : ml.Llm().NormalizeText("Text", options: normalization).Fit(trainData);
        IDataView Prepared(IDataView data) => normalizer?.Transform(data) ?? data;
        using var model = ml.Llm().TextClassification(options).Fit(Prepared(trainData));
        var trainTime = sw.Elapsed;
        sw.Restart();
        var scoredTest = model.Transform(Prepared(testData));
        var metrics = ml.BinaryClassification.Evaluate(scoredTest);
        var inferTime = sw.Elapsed;
        if (scoresPath is not null) WriteScores(scoresPath, testData, baselineProbabilities, scoredTest.GetColumn<float>("Probability").ToArray());
        if (saveModelPath is not null) model.SaveTo(saveModelPath);
        string text = normalization is null ? "raw text" : normalization.StripEmailHeaders ? (normalization.KeepEmailHeaders.Length > 0 ? $"normalized, headers stripped but {string.Join(", ", normalization.KeepEmailHeaders)}" : "normalized, headers stripped") : "normalized";
        string what = options.PretrainedModelPath is null ? "BERT from scratch" : $"BERT fine-tuned from {Path.GetFileName(Path.TrimEndingDirectorySeparator(options.PretrainedModelPath))}";
        Report($"{what} ({model.Config.NumHiddenLayers}L/{model.Config.HiddenSize}H, vocab {model.Config.VocabSize}, len {options.MaxLength}, {printer.Epochs} ep, lr {(options.LearningRate is { } l ? l.ToString("G3", CultureInfo.InvariantCulture) : "default")}, {text})", metrics, trainTime);
        output.WriteLine($"  inference: {testData.GetRowCount() / inferTime.TotalSeconds:F1} rows/s");
    }

    /// <summary>Writes Row,Label,Baseline,Model (positive-class probabilities; empty where a model was not trained), atomically.</summary>
    static void WriteScores(string path, IDataView testData, float[]? baseline, float[]? model)
    {
        var labels = testData.GetColumn<bool>("Label").ToArray();
        string temp = path + ".tmp";
        using (var writer = new StreamWriter(temp))
        {
            writer.WriteLine("Row,Label,Baseline,Model");
            for (int i = 0; i < labels.Length; i++)
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{i},{(labels[i] ? 1 : 0)},{(baseline is null ? "" : baseline[i].ToString("R", CultureInfo.InvariantCulture))},{(model is null ? "" : model[i].ToString("R", CultureInfo.InvariantCulture))}"));
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>A catalogue name, HF folder or .onnx file as a checkpoint folder (converted once, progress lines on <paramref name="output"/>).</summary>
    static string ResolvePretrained(string value, TextWriter output)
    {
        try { return MLNetLlm.Torch.Pretrained.PretrainedModels.Resolve(value, new LineProgress(output)); }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or InvalidDataException) { throw new CliException(ex.Message, ex); }
    }

    sealed class LineProgress(TextWriter output) : IProgress<string>
    {
        public void Report(string value) => output.WriteLine(value);
    }

    /// <summary>Prints each epoch's summary as it ends (synchronously, in order).</summary>
    sealed class EpochPrinter(TextWriter output) : IProgress<TrainingProgress>
    {
        public int Epochs { get; private set; }

        public void Report(TrainingProgress value)
        {
            Epochs = value.TotalEpochs;
            if (value.IsEpochEnd || value.Step % 25 == 0) output.WriteLine("  " + value);
            output.Flush();
        }
    }
}
