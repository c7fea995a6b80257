using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms.Text;
using MLNetLlm.Chinese;
using MLNetLlm.Chinese.Segmentation;
using MLNetLlm.Cli.Training;
using MLNetLlm.Data;
using MLNetLlm.IO;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Cli.Commands.Bench;

/// <summary>
/// <c>mlnet-llm bench chinese</c>: the chinese-poetry tasks (dynasty: Tang vs Song shi; form: shi vs ci) with n-gram
/// featurizers on raw text, on jieba words and on characters, a small BERT trained from scratch and a short
/// language-aware AutoML search, side by side (accuracy, macro-F1); and <c>bench chinese throughput</c>: jieba
/// segmentation speed per core, next to Debian's Python jieba on the same texts when it is installed.
/// </summary>
internal static class ChineseBench
{
    sealed class Row
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }

    sealed class Scored
    {
        public bool PredictedLabel { get; set; }
    }

    static readonly Dictionary<string, string> Positive = new() { ["dynasty"] = "song", ["form"] = "ci", ["form-mixed"] = "ci" };

    public static Command Create(CliContext context)
    {
        var output = context.Out;
        var tasks = new Option<string[]>("--task") { Description = "dynasty, form and/or form-mixed (full data only); default dynasty and form." };
        var data = new Option<string>("--data") { Description = "sample (data/poetry/<task>/sample-*.csv, default) or full (data/poetry/full/<task>/, from scripts/fetch-chinese-poetry.sh).", DefaultValueFactory = _ => "sample" };
        var trainRows = new Option<int>("--train-rows") { Description = "At most this many training rows (every k-th row; default 4000).", DefaultValueFactory = _ => 4000 };
        var testRows = new Option<int>("--test-rows") { Description = "At most this many test rows (default 2000).", DefaultValueFactory = _ => 2000 };
        var automl = new Option<double>("--automl-seconds") { Description = "AutoML budget per task, 0 to skip (default 60).", DefaultValueFactory = _ => 60 };
        var bertEpochs = new Option<int>("--bert-epochs") { Description = "From-scratch BERT epochs, 0 to skip (default 3).", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads for BERT (default 1).", DefaultValueFactory = _ => 1 };
        var accuracy = new Command("chinese", "chinese-poetry tasks: raw vs jieba words vs characters vs BERT from scratch vs AutoML (accuracy, macro-F1).")
        {
            tasks, data, trainRows, testRows, automl, bertEpochs, threads,
        };
        accuracy.SetAction(p => context.Guard(() =>
        {
            var chosen = p.GetValue(tasks) is { Length: > 0 } t ? t : ["dynasty", "form"];
            TorchSharp.torch.set_num_threads(p.GetValue(threads));
            output.WriteLine($"{TorchBench.Load()}; data {p.GetValue(data)}; automl {p.GetValue(automl)}s; bert {p.GetValue(bertEpochs)} epoch(s), {p.GetValue(threads)} thread(s)");
            output.WriteLine("| task | train / test rows | pipeline | accuracy | macro-F1 | seconds |");
            output.WriteLine("|---|---:|---|---:|---:|---:|");
            foreach (var task in chosen)
                Run(output, task, p.GetValue(data)!, p.GetValue(trainRows), p.GetValue(testRows), p.GetValue(automl), p.GetValue(bertEpochs));
            return 0;
        }));

        var seconds = new Option<double>("--seconds") { Description = "Time per measurement (default 5).", DefaultValueFactory = _ => 5 };
        var throughput = new Command("throughput", "jieba segmentation speed (characters/s, one thread) on the poetry texts, with Debian's python3-jieba side by side.") { data, seconds };
        throughput.SetAction(p => context.Guard(() => { Throughput(output, p.GetValue(data)!, p.GetValue(seconds)); return 0; }));
        accuracy.Subcommands.Add(throughput);
        return accuracy;
    }

    static (string Train, string Test) Files(string data, string task) => data == "full"
        ? (Path.Combine("data", "poetry", "full", task, "train.csv"), Path.Combine("data", "poetry", "full", task, "test.csv"))
        : data == "sample"
            ? (Path.Combine("data", "poetry", task, "sample-train.csv"), Path.Combine("data", "poetry", task, "sample-test.csv"))
            : (Path.Combine(data, task, "train.csv"), Path.Combine(data, task, "test.csv"));

    /// <summary>Every k-th row so that at most <paramref name="max"/> remain (the files are in Id order, classes balanced).</summary>
    static List<IReadOnlyList<string>> Thin(DelimitedTable table, int max)
    {
        if (table.Rows.Count <= max) return table.Rows.Select(r => (IReadOnlyList<string>)r).ToList();
        double step = (double)table.Rows.Count / max;
        return Enumerable.Range(0, max).Select(i => (IReadOnlyList<string>)table.Rows[(int)(i * step)]).ToList();
    }

    static void Run(TextWriter output, string task, string data, int maxTrain, int maxTest, double automlSeconds, int bertEpochs)
    {
        if (!Positive.TryGetValue(task, out var positive)) throw new CliException($"--task must be dynasty, form or form-mixed, not '{task}'.");
        var (trainPath, testPath) = Files(data, task);
        foreach (var f in new[] { trainPath, testPath })
            if (!File.Exists(f)) throw new CliException($"--data {data}: '{f}' does not exist (full data: bash scripts/fetch-chinese-poetry.sh).");
        var trainTable = DelimitedFile.Read(trainPath);
        var testTable = DelimitedFile.Read(testPath);
        var train = Thin(trainTable, maxTrain);
        var test = Thin(testTable, maxTest);
        int text = trainTable.ColumnIndex("Text"), label = trainTable.ColumnIndex("Label");
        Row[] Rows(List<IReadOnlyList<string>> rows) => rows.Select(r => new Row { Text = r[text], Label = r[label] == positive }).ToArray();
        var trainRows = Rows(train);
        var testRows = Rows(test);
        string size = $"{trainRows.Length} / {testRows.Length}";

        void Report(string pipeline, bool[] predicted, double secs)
        {
            var (acc, macro) = Scores(testRows.Select(r => r.Label).ToArray(), predicted);
            output.WriteLine($"| {task} | {size} | {pipeline} | {acc:0.000} | {macro:0.000} | {secs:0} |");
        }

        var variants = new (string Name, Func<MLContext, IEstimator<ITransformer>> Features)[]
        {
            ("FeaturizeText words 1–2 on raw text", ml => Normalize(ml).Append(Featurize(ml, words: true, chars: false))),
            ("jieba (precise) → FeaturizeText words 1–2", ml => Normalize(ml).Append(ml.Llm().SegmentWords("Text")).Append(Featurize(ml, words: true, chars: false))),
            ("FeaturizeText characters 1–3", ml => Normalize(ml).Append(Featurize(ml, words: false, chars: true))),
            ("jieba → FeaturizeText words 1–2 + characters 1–3", ml => Normalize(ml).Append(ml.Llm().SegmentWords("Text")).Append(Featurize(ml, words: true, chars: true))),
            ("FeaturizeText defaults on raw text", ml => Normalize(ml).Append(ml.Transforms.Text.FeaturizeText("Features", "Text"))),
        };
        foreach (var (name, features) in variants)
        {
            var watch = Stopwatch.StartNew();
            var ml = new MLContext(seed: 42);
            var pipeline = features(ml).AppendCacheCheckpoint(ml).Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(
                new SdcaLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 }));
            var model = pipeline.Fit(ml.Data.LoadFromEnumerable(trainRows));
            var predicted = ml.Data.CreateEnumerable<Scored>(model.Transform(ml.Data.LoadFromEnumerable(testRows)), false).Select(s => s.PredictedLabel).ToArray();
            Report(name + " → SDCA", predicted, watch.Elapsed.TotalSeconds);
        }

        if (bertEpochs > 0)
        {
            var watch = Stopwatch.StartNew();
            var ml = new MLContext(seed: 42);
            var options = new TextClassificationTrainer.Options
            {
                NumberOfEpochs = bertEpochs, MaxLength = 96, BatchSize = 16, Device = "cpu", Seed = 42,
                ScratchVocabularySize = 6000, ScratchHiddenSize = 128, ScratchLayers = 2, ScratchAttentionHeads = 2, ScratchIntermediateSize = 512,
            };
            var model = ml.Llm().TextClassification(options).Fit(ml.Data.LoadFromEnumerable(trainRows));
            var predicted = ml.Data.CreateEnumerable<Scored>(model.Transform(ml.Data.LoadFromEnumerable(testRows)), false).Select(s => s.PredictedLabel).ToArray();
            Report($"BERT from scratch (2×128, vocab 6,000 chars+pieces, {bertEpochs} epochs, length 96)", predicted, watch.Elapsed.TotalSeconds);
        }

        if (automlSeconds > 0)
        {
            string dir = Directory.CreateTempSubdirectory("mlnetllm-bench-zh-").FullName;
            try
            {
                string[] header = ["Text", "Label"];
                DelimitedFile.Write(Path.Combine(dir, "train.csv"), header, train.Select(r => (IReadOnlyList<string>)[r[text], r[label]]));
                DelimitedFile.Write(Path.Combine(dir, "test.csv"), header, test.Select(r => (IReadOnlyList<string>)[r[text], r[label]]));
                var config = new RunConfig
                {
                    Dataset = Path.Combine(dir, "train.csv"), ValidationDataset = Path.Combine(dir, "test.csv"), PositiveLabel = positive,
                    TrainTimeSeconds = automlSeconds, Language = "zh", Output = Path.Combine(dir, "out"),
                };
                var watch = Stopwatch.StartNew();
                var metrics = new TrainingRun(config, TextWriter.Null).Execute();
                var best = new MLContext().Llm().Model.ReadMetadata(Path.Combine(dir, "out", TrainingRun.ModelFileName))["pipeline"];
                var m = metrics.ConfusionMatrix!;
                // rows: actual, columns: predicted, classes [negative, positive]
                var (acc, macro) = FromConfusion(m);
                output.WriteLine($"| {task} | {size} | AutoML {automlSeconds:0}s, language-aware (best: {Compact(best)}) | {acc:0.000} | {macro:0.000} | {watch.Elapsed.TotalSeconds:0} |");
            }
            finally { Directory.Delete(dir, recursive: true); }
        }
    }

    /// <summary>"normalize_Text ⇒ segment_Text ⇒ … ⇒ fasttree {json}" → the stages, with the segmentation setting and the n-gram lengths.</summary>
    static string Compact(string pipeline)
    {
        int brace = pipeline.IndexOf(" {", StringComparison.Ordinal);
        string stages = brace < 0 ? pipeline : pipeline[..brace];
        if (brace < 0) return stages;
        string json = pipeline[(brace + 1)..];
        var details = new List<string>();
        var seg = System.Text.RegularExpressions.Regex.Match(json, "\"segment_Text\":\\{\"Mode\":\"(\\w+)\",\"UseHmm\":(\\w+)\\}");
        if (seg.Success) details.Add($"jieba {seg.Groups[1].Value.ToLowerInvariant()}, HMM {(seg.Groups[2].Value == "true" ? "on" : "off")}");
        foreach (var key in new[] { "WordNgramLength", "CharNgramLength" })
        {
            var m = System.Text.RegularExpressions.Regex.Match(json, $"\"{key}\":(\\d+)");
            if (m.Success) details.Add($"{(key[0] == 'W' ? "words" : "chars")} {m.Groups[1].Value}");
        }
        return details.Count == 0 ? stages : $"{stages}; {string.Join(", ", details)}";
    }

    static IEstimator<ITransformer> Normalize(MLContext ml) => ml.Llm().NormalizeText("Text");

    static IEstimator<ITransformer> Featurize(MLContext ml, bool words, bool chars) =>
        ml.Transforms.Text.FeaturizeText("Features", new TextFeaturizingEstimator.Options
        {
            WordFeatureExtractor = words ? new WordBagEstimator.Options { NgramLength = 2, UseAllLengths = true } : null,
            CharFeatureExtractor = chars ? new WordBagEstimator.Options { NgramLength = 3, UseAllLengths = true } : null,
        }, "Text");

    static (double Accuracy, double MacroF1) Scores(bool[] truth, bool[] predicted)
    {
        long tp = 0, fp = 0, fn = 0, tn = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            if (truth[i] && predicted[i]) tp++;
            else if (!truth[i] && predicted[i]) fp++;
            else if (truth[i]) fn++;
            else tn++;
        }
        return FromConfusion([[tn, fp], [fn, tp]]);
    }

    static (double, double) FromConfusion(long[][] m)
    {
        long tn = m[0][0], fp = m[0][1], fn = m[1][0], tp = m[1][1];
        double F1(long t, long f1, long f2) => t == 0 ? 0 : 2.0 * t / (2.0 * t + f1 + f2);
        double accuracy = (double)(tp + tn) / (tp + tn + fp + fn);
        return (accuracy, (F1(tp, fp, fn) + F1(tn, fn, fp)) / 2);
    }

    static void Throughput(TextWriter output, string data, double seconds)
    {
        var texts = new List<string>();
        foreach (var task in new[] { "dynasty", "form" })
        {
            var (trainPath, testPath) = Files(data, task);
            foreach (var f in new[] { trainPath, testPath })
            {
                if (!File.Exists(f)) throw new CliException($"--data {data}: '{f}' does not exist.");
                var table = DelimitedFile.Read(f);
                texts.AddRange(table.Column("Text"));
            }
        }
        long chars = texts.Sum(t => (long)t.Length), bytes = texts.Sum(t => (long)System.Text.Encoding.UTF8.GetByteCount(t));
        var load = Stopwatch.StartNew();
        var precise = JiebaWordSegmenter.Create();
        output.WriteLine($"{TorchBench.Load()}; {texts.Count} poems, {chars:N0} characters ({bytes / 1024.0:N0} KB UTF-8); dictionary load {load.Elapsed.TotalSeconds:0.0}s");
        output.WriteLine("| segmenter | mode | chars/s per core (CPU time) | KB/s UTF-8 | KB/s at 2 bytes/char (GBK) |");
        output.WriteLine("|---|---|---:|---:|---:|");
        foreach (var (name, segmenter) in new[]
        {
            ("jieba.NET 0.42.2 via SegmentWords", precise),
            ("jieba.NET 0.42.2 via SegmentWords", JiebaWordSegmenter.Create(new WordSegmentationOptions { UseHmm = false })),
            ("jieba.NET 0.42.2 via SegmentWords", JiebaWordSegmenter.Create(new WordSegmentationOptions { Mode = SegmentationMode.Search })),
        })
        {
            foreach (var t in texts) segmenter.Words(t); // warm up (JIT, tiered compilation)
            long done = 0;
            // CPU time of this one thread, not wall time: the machine is shared, and a busy neighbour must not count.
            var cpu = Stopwatch.StartNew();
            double cpuStart = ThreadCpuSeconds();
            while (ThreadCpuSeconds() - cpuStart < seconds && cpu.Elapsed.TotalSeconds < 20 * seconds)
                foreach (var t in texts) { segmenter.Words(t); done += t.Length; }
            double used = ThreadCpuSeconds() - cpuStart;
            var o = segmenter.Options;
            string mode = $"{o.Mode.ToString().ToLowerInvariant()}, HMM {(o.UseHmm ? "on" : "off")}";
            double perSecond = done / used;
            output.WriteLine($"| {name} | {mode} | {perSecond:N0} | {perSecond * bytes / chars / 1024:N0} | {perSecond * 2 / 1024:N0} |");
        }
        PythonJieba(output, texts, seconds);
    }

    /// <summary>CPU seconds of the calling thread (Linux: /proc/thread-self/stat; elsewhere the process's).</summary>
    static double ThreadCpuSeconds()
    {
        const string stat = "/proc/thread-self/stat";
        if (File.Exists(stat))
        {
            var text = File.ReadAllText(stat);
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            // after the command name: state is field 3, utime field 14, stime field 15 (1-based in the whole line)
            return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
        }
        return Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Debian's python3-jieba (the reference implementation) on the same texts, one process, when installed.</summary>
    static void PythonJieba(TextWriter output, List<string> texts, double seconds)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) { output.WriteLine("(python3-jieba: /usr/bin/python3 not found)"); return; }
        string file = Path.GetTempFileName();
        File.WriteAllLines(file, texts.Select(t => t.Replace('\n', ' ')));
        string script = $$"""
            import sys, time, jieba, logging
            jieba.setLogLevel(logging.WARNING)
            texts = [l.rstrip('\n') for l in open(sys.argv[1], encoding='utf-8')]
            chars = sum(len(t) for t in texts)
            for hmm in (True, False):
                for t in texts: jieba.lcut(t, HMM=hmm)
                done, start = 0, time.process_time()
                while time.process_time() - start < {{seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}}:
                    for t in texts: jieba.lcut(t, HMM=hmm); done += len(t)
                print(f"{'on' if hmm else 'off'} {done / (time.process_time() - start):.0f}")
            """;
        try
        {
            var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            psi.ArgumentList.Add(file);
            using var process = Process.Start(psi)!;
            string stdout = process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) { output.WriteLine($"(python3-jieba not available: {stderr.Trim().Split('\n').LastOrDefault()})"); return; }
            double bytesPerChar = texts.Sum(t => (double)System.Text.Encoding.UTF8.GetByteCount(t)) / texts.Sum(t => t.Length);
            foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ');
                double perSecond = double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                output.WriteLine($"| python3-jieba (Debian, CPython) | precise, HMM {parts[0]} | {perSecond:N0} | {perSecond * bytesPerChar / 1024:N0} | {perSecond * 2 / 1024:N0} |");
            }
        }
        finally { File.Delete(file); }
    }
}
