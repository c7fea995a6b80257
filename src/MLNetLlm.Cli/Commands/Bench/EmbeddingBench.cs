using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MLNetLlm.Benchmarks.Torch;

namespace MLNetLlm.Cli.Commands.Bench;

/// <summary>
/// <c>mlnet-llm bench embedding train-step|inference|classify</c>: the all-MiniLM-L6-v2 benchmarks of docs/benchmarks.md,
/// each side by side with its anchor in one run (PyTorch, ONNX Runtime, FeaturizeText + SDCA) and printed as ratios.
/// </summary>
internal static class EmbeddingBench
{
    public static Command Create(CliContext context)
    {
        var output = context.Out;
        var threads = new Option<int>("--threads") { Description = "libtorch / ONNX Runtime / PyTorch threads (default 2).", DefaultValueFactory = _ => 2 };
        var steps = new Option<int>("--steps") { Description = "train-step: timed steps after one warm-up step (default 3).", DefaultValueFactory = _ => 3 };
        var python = new Option<string>("--python") { Description = "train-step: the Python with Debian's python3-torch (default /usr/bin/python3).", DefaultValueFactory = _ => "/usr/bin/python3" };
        var skipPyTorch = new Option<bool>("--skip-pytorch") { Description = "train-step: do not run the PyTorch anchor." };
        var pretrained = new Option<string?>("--pretrained") { Description = "train-step: a HF checkpoint folder (default: random weights of MiniLM's geometry; speed and memory do not depend on the values)." };

        var trainStep = new Command("train-step", "MiniLM-sized AdamW steps (batch 16 × 128): rows/s and resident memory by phase, vs PyTorch (bench/python/minilm_train_step.py).")
            { threads, steps, python, skipPyTorch, pretrained };
        trainStep.SetAction(p => context.Guard(() =>
        {
            int t = p.GetValue(threads), n = p.GetValue(steps);
            output.WriteLine($"MiniLM train step, batch 16 × 128, {t} thread(s), {n} timed step(s); {TorchBench.Load()}");
            var ours = MiniLmBenchmark.TrainStep(t, n, checkpoint: p.GetValue(pretrained));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"TorchSharp: {ours.Parameters / 1e6:F2} M parameters, {ours.RowsPerSecond:F2} rows/s ({ours.SecondsPerStep:F2} s/step)"));
            foreach (var (stage, mb) in ours.Memory) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  RSS {mb,7:F0} MB  {stage}"));
            if (p.GetValue(skipPyTorch)) return 0;
            var (pyRows, pyPeak, lines) = RunPyTorch(p.GetValue(python)!, t, n);
            foreach (var line in lines) output.WriteLine("  " + line);
            double ourPeak = ours.Memory.Max(m => m.Megabytes);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| | TorchSharp | PyTorch | ratio |\n|---|---:|---:|---:|\n| rows/s | {ours.RowsPerSecond:F2} | {pyRows:F2} | {ours.RowsPerSecond / pyRows:F2}× |\n" +
                $"| peak RSS MB | {ourPeak:F0} | {pyPeak:F0} | {ourPeak / pyPeak:F2}× |"));
            output.WriteLine($"  (after the runs: {TorchBench.Load()})");
            return 0;
        }));

        var onnx = new Option<string>("--onnx") { Description = "inference: the original BERT ONNX graph with vocab.txt beside it (all-MiniLM-L6-v2's model.onnx).", Required = true };
        var encoder = new Option<string?>("--encoder") { Description = "inference: our encoder's HF folder (the ONNX imported); default random weights of MiniLM's geometry (speed only)." };
        var data = new Option<string>("--data") { Description = "inference: a CSV/TSV whose Text column gives the inputs (default data/fortunes/test.csv).", DefaultValueFactory = _ => "data/fortunes/test.csv" };
        var rows = new Option<int>("--rows") { Description = "inference: rows of --data used (default 512).", DefaultValueFactory = _ => 512 };
        var maxLength = new Option<int>("--max-length") { Description = "inference: tokens per text (default 128).", DefaultValueFactory = _ => 128 };
        var batch = new Option<int>("--batch") { Description = "inference: texts per batch (default 32).", DefaultValueFactory = _ => 32 };
        var inference = new Command("inference", "fp32 TorchSharp encoder vs ONNX Runtime on the original ONNX: rows/s on the same batches (mean pooling on both), one run.")
            { onnx, encoder, data, rows, maxLength, batch, threads };
        inference.SetAction(p => context.Guard(() =>
        {
            var table = MLNetLlm.IO.DelimitedFile.Read(p.GetValue(data)!);
            var texts = table.Column("Text").Take(p.GetValue(rows)).ToArray();
            int t = p.GetValue(threads);
            output.WriteLine($"Encoder inference, {texts.Length} texts of {p.GetValue(data)}, max length {p.GetValue(maxLength)}, batch {p.GetValue(batch)}, {t} thread(s); {TorchBench.Load()}");
            var r = EncoderInferenceBenchmark.Run(p.GetValue(encoder), p.GetValue(onnx)!, texts, p.GetValue(maxLength), p.GetValue(batch), t);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Rows} rows in {r.Batches} batches, {r.Tokens} tokens ({(double)r.Tokens / r.Rows:F1} per row)\n" +
                $"| engine | rows/s |\n|---|---:|\n| TorchSharp fp32 ({(p.GetValue(encoder) is null ? "random weights, same geometry" : "imported weights")}) | {r.OursRowsPerSecond:F1} |\n" +
                $"| TorchSharp fp32, explicit softmax attention (before) | {r.OursExplicitRowsPerSecond:F1} |\n" +
                $"| ONNX Runtime (original graph) | {r.OnnxRowsPerSecond:F1} |\n| ratio TorchSharp / ONNX Runtime | {r.OursRowsPerSecond / r.OnnxRowsPerSecond:F2}× |\n| ratio fused / explicit attention | {r.OursRowsPerSecond / r.OursExplicitRowsPerSecond:F2}× |"));
            if (r.MaxAbsDifference is { } d)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"embeddings: max abs difference {d:E2}, min cosine {r.MinCosine:F7}"));
            output.WriteLine($"  (after the run: {TorchBench.Load()})");
            return 0;
        }));

        var train = new Option<string>("--train") { Description = "classify: training CSV with Label and Text (default data/spam/full/train.csv).", DefaultValueFactory = _ => "data/spam/full/train.csv" };
        var test = new Option<string>("--test") { Description = "classify: test CSV (default data/spam/full/test.csv).", DefaultValueFactory = _ => "data/spam/full/test.csv" };
        var positive = new Option<string?>("--positive-label") { Description = "classify: binary task with this positive label (e.g. spam); default: multiclass over every label." };
        var model = new Option<string>("--pretrained") { Description = "classify: the encoder (default all-MiniLM-L6-v2).", DefaultValueFactory = _ => MLNetLlm.Torch.Embeddings.SentenceEmbeddingEstimator.Defaults.PretrainedModel };
        var classifyLength = new Option<int>("--max-length") { Description = "classify: encoder tokens per text (default 256).", DefaultValueFactory = _ => 256 };
        var stripHeaders = new Option<bool>("--strip-email-headers") { Description = "classify: NormalizeText with e-mail headers stripped (Subject kept) in front of both featurizers." };
        var classify = new Command("classify", "Sentence embeddings + SDCA vs FeaturizeText + SDCA on the same split (binary: F1; multiclass: macro accuracy).")
            { train, test, positive, model, classifyLength, stripHeaders, threads };
        classify.SetAction(p => context.Guard(() =>
        {
            ClassifyBenchmark.Run(output, p.GetValue(train)!, p.GetValue(test)!, p.GetValue(positive), p.GetValue(model)!, p.GetValue(classifyLength),
                p.GetValue(stripHeaders), p.GetValue(threads));
            return 0;
        }));

        return new Command("embedding", "all-MiniLM-L6-v2 benchmarks: train-step (vs PyTorch), inference (vs ONNX Runtime), classify (embedding + SDCA vs n-grams).")
        {
            trainStep, inference, classify,
        };
    }

    /// <summary>Runs the PyTorch anchor script and returns its rows/s, overall peak RSS and printed lines.</summary>
    static (double RowsPerSecond, double PeakMegabytes, IReadOnlyList<string> Lines) RunPyTorch(string python, int threads, int steps)
    {
        string script = FindScript();
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--steps", steps.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        Process proc;
        try { proc = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception ex) { throw new CliException($"--python '{python}' could not be started ({ex.Message}); install Debian's python3-torch or pass --skip-pytorch.", ex); }
        using (proc)
        {
            var stderr = proc.StandardError.ReadToEndAsync();
            var lines = proc.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            proc.WaitForExit();
            if (proc.ExitCode != 0)
                throw new CliException($"The PyTorch anchor ({python} {script}) failed with exit code {proc.ExitCode}: {stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()}");
            double Number(string prefix, string after) =>
                double.Parse(lines.First(l => l.StartsWith(prefix, StringComparison.Ordinal)).Split(after)[1].Trim().Split(' ', ')', ',')[0], CultureInfo.InvariantCulture);
            return (Number("pytorch rows/s", "rows/s"), Number("pytorch rss", "peak overall"), lines);
        }
    }

    static string FindScript()
    {
        const string rel = "bench/python/minilm_train_step.py";
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, rel))) return Path.Combine(d.FullName, rel);
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, rel))) return Path.Combine(d.FullName, rel);
        throw new CliException($"{rel} not found: run from the repository (or below it).");
    }
}
