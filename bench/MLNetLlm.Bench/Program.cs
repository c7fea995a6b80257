using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm;
using MLNetLlm.IO;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Benchmarks;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;

// Usage:
//   dotnet run -c Release --project bench/MLNetLlm.Bench -- torch-cpu [--threads 2] [--steps 10]
//   dotnet run -c Release --project bench/MLNetLlm.Bench -- torch-gpu [--device cuda] [--steps 20]
//   dotnet run -c Release --project bench/MLNetLlm.Bench -- spam [--train data/spam/full/train.csv] [--test data/spam/full/test.csv]
//        [--epochs 3] [--max-length 128] [--batch 16] [--lr 5e-4] [--threads 2] [--skip-baseline | --baseline-only]
string command = args.Length > 0 ? args[0] : "torch-cpu";
string Opt(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
int threads = int.Parse(Opt("--threads", "2"));

switch (command)
{
    case "torch-cpu":
        Console.WriteLine($"CPU benchmark, {threads} thread(s), {Environment.ProcessorCount} logical CPUs visible");
        TorchBenchmark.RunCpu(threads, int.Parse(Opt("--steps", "10")), Console.WriteLine);
        break;
    case "torch-gpu":
    {
        // Dense peak TFLOP/s for MFU; defaults: H100 SXM (fp32 67, TF32 494.7, bf16 989.4 — H200 has the same compute).
        var peak = new Dictionary<BenchmarkPrecision, double>
        {
            [BenchmarkPrecision.Float32] = double.Parse(Opt("--peak-fp32", "67"), CultureInfo.InvariantCulture),
            [BenchmarkPrecision.TF32] = double.Parse(Opt("--peak-tf32", "494.7"), CultureInfo.InvariantCulture),
            [BenchmarkPrecision.BFloat16] = double.Parse(Opt("--peak-bf16", "989.4"), CultureInfo.InvariantCulture),
        };
        // HuggingFace eager PyTorch 2.11 on an H100, same shapes (the issue's anchors), samples/s.
        var anchor = new Dictionary<(BenchmarkPrecision, int), double>
        {
            [(BenchmarkPrecision.Float32, 32)] = 526, [(BenchmarkPrecision.TF32, 32)] = 1078,
            [(BenchmarkPrecision.BFloat16, 32)] = 952, [(BenchmarkPrecision.BFloat16, 128)] = 2957,
        };
        Console.WriteLine("| precision | batch | samples/s | ms/step | TFLOP/s | MFU | PyTorch anchor | ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        TorchBenchmark.RunGpu(Opt("--device", "cuda"), int.Parse(Opt("--steps", "20")), r =>
        {
            double a = anchor.GetValueOrDefault((r.Precision, r.BatchSize));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Precision} | {r.BatchSize} | {r.SamplesPerSecond:F0} | {r.MillisecondsPerStep:F1} | {r.TeraFlopsPerSecond:F1} | {r.Mfu(peak[r.Precision]):P1} | {a:F0} | {r.SamplesPerSecond / a:F2}× |"));
        });
    }
        break;
    case "spam":
        Spam();
        break;
    default:
        Console.Error.WriteLine($"Unknown command '{command}': use torch-cpu, torch-gpu or spam.");
        return 2;
}
return 0;

void Spam()
{
    TorchSharp.torch.set_num_threads(threads);
    string trainPath = Opt("--train", "data/spam/full/train.csv"), testPath = Opt("--test", "data/spam/full/test.csv");
    var ml = new MLContext(seed: 1);
    IDataView Load(string path)
    {
        var table = DelimitedFile.Read(path);
        var text = table.Column("Text");
        var label = table.Column("Label");
        return ml.Data.LoadFromEnumerable(text.Select((t, i) => new Mail { Text = t, Label = label[i] == "spam" }).ToList());
    }
    var train = Load(trainPath);
    var test = Load(testPath);
    Console.WriteLine($"train {train.GetRowCount() ?? train.GetColumn<bool>("Label").Count()} rows ({trainPath}), test {test.GetColumn<bool>("Label").Count()} rows ({testPath})");

    var sw = Stopwatch.StartNew();
    if (!args.Contains("--skip-baseline"))
    {
        var baseline = ml.Transforms.Text.FeaturizeText("Features", "Text").AppendCacheCheckpoint(ml)
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression()).Fit(train);
        Report("FeaturizeText+SDCA", ml.BinaryClassification.Evaluate(baseline.Transform(test)), sw.Elapsed);
    }
    if (args.Contains("--baseline-only")) return;

    var options = new TextClassificationTrainer.Options
    {
        NumberOfEpochs = int.Parse(Opt("--epochs", "3")),
        MaxLength = int.Parse(Opt("--max-length", "128")),
        BatchSize = int.Parse(Opt("--batch", "16")),
        LearningRate = args.Contains("--lr") ? double.Parse(Opt("--lr", "0"), System.Globalization.CultureInfo.InvariantCulture) : null,
        Device = "cpu",
        Progress = new Reporter(),
    };
    sw.Restart();
    var model = ml.Llm().TextClassification(options).Fit(train);
    var trainTime = sw.Elapsed;
    sw.Restart();
    var scored = model.Transform(test);
    var metrics = ml.BinaryClassification.Evaluate(scored);
    var inferTime = sw.Elapsed;
    Report($"BERT from scratch ({model.Config.NumHiddenLayers}L/{model.Config.HiddenSize}H, vocab {model.Config.VocabSize}, len {options.MaxLength}, {options.NumberOfEpochs} ep)", metrics, trainTime);
    Console.WriteLine($"  inference: {test.GetColumn<bool>("Label").Count() / inferTime.TotalSeconds:F1} rows/s");
}

static void Report(string name, CalibratedBinaryClassificationMetrics m, TimeSpan time) =>
    Console.WriteLine($"{name}: accuracy {m.Accuracy:F4}  F1 {m.F1Score:F4}  AUC {m.AreaUnderRocCurve:F4}  train time {time.TotalSeconds:F0} s");

sealed class Mail
{
    public string Text { get; set; } = "";
    public bool Label { get; set; }
}

sealed class Reporter : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p)
    {
        if (p.IsEpochEnd) Console.WriteLine("  " + p);
    }
}
