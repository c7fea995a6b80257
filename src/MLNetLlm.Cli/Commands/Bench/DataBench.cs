using System.CommandLine;
using MLNetLlm.Benchmarks.Data;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Commands.Bench;

/// <summary>
/// <c>mlnet-llm bench data normalize|dedup-spam|dedup-synthetic|ablation</c>: MLNetLlm.Data's cleaning benchmarks
/// (<see cref="DataCleaningBenchmark"/>, <see cref="CleaningAblation"/>); each prints Markdown table rows. Run the dedup
/// ones in their own process: the peak working set printed is the process's.
/// </summary>
internal static class DataBench
{
    public static Command Create(CliContext context)
    {
        var output = context.Out;
        var data = new Option<string>("--data") { Description = "Folder with train.csv and test.csv (default data/spam/full).", DefaultValueFactory = _ => "data/spam/full" };
        var threads = new Option<int>("--threads") { Description = "Threads (default 1).", DefaultValueFactory = _ => 1 };
        var count = new Option<int>("--count") { Description = "dedup-synthetic: documents (default 100000).", DefaultValueFactory = _ => 100_000 };
        var only = new Option<string?>("--only") { Description = "ablation: the configurations to run, by index (e.g. 0,1,2)." };

        (string[] Texts, string[] Labels) Load(string dir, string file)
        {
            var table = DelimitedFile.Read(Path.Combine(dir, file));
            return (table.Column("Text"), table.Column("Label"));
        }
        string[] Corpus(string dir) => [.. Load(dir, "train.csv").Texts, .. Load(dir, "test.csv").Texts];

        var normalize = new Command("normalize", "Text normalization throughput (MB/s per core) on SpamAssassin and a synthetic corpus.") { data, threads };
        normalize.SetAction(p => context.Guard(() =>
        {
            var corpus = Corpus(p.GetValue(data)!);
            var synthetic = DataCleaningBenchmark.SyntheticCorpus(100_000, seed: 1);
            var email = new TextNormalizerOptions { StripEmailHeaders = true, MaskUrls = true, MaskEmails = true, MaskNumbers = true };
            output.WriteLine(TorchBench.Load());
            output.WriteLine("| corpus | options | docs | MB (UTF-8) | threads | MB/s (wall) | CPU s | MB/s per core (CPU time) |");
            output.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
            foreach (var (name, docs, options) in new[]
            {
                ("SpamAssassin (raw e-mails)", corpus, new TextNormalizerOptions()),
                ("SpamAssassin (raw e-mails)", corpus, email),
                ("synthetic 100k (plain text)", synthetic, new TextNormalizerOptions()),
                ("synthetic 100k (plain text)", synthetic, new TextNormalizerOptions { MaskUrls = true, MaskEmails = true, MaskNumbers = true }),
            })
            {
                var r = DataCleaningBenchmark.MeasureNormalization(name, docs, options, p.GetValue(threads));
                output.WriteLine(FormattableString.Invariant(
                    $"| {name} | {options.Summary} | {r.Documents} | {r.Utf8Bytes / 1e6:F1} | {r.Threads} | {r.MegabytesPerSecond:F1} | {r.CpuSeconds:F2} | {r.MegabytesPerSecondPerCore:F1} |"));
            }
            return 0;
        }));

        Command Dedup(string name, bool spam)
        {
            var command = spam
                ? new Command(name, "Near-duplicate detection (MinHash-LSH) over the whole SpamAssassin corpus.") { data, threads }
                : new Command(name, "Near-duplicate detection on a synthetic corpus with 5% exact and 10% near copies.") { count, threads };
            command.SetAction(p => context.Guard(() =>
            {
                int t = p.GetValue(threads);
                string[] docs;
                DeduplicationOptions options;
                string title;
                if (spam)
                {
                    docs = Corpus(p.GetValue(data)!);
                    options = new DeduplicationOptions { Normalization = new TextNormalizerOptions { StripEmailHeaders = true }, MaxDegreeOfParallelism = t };
                    title = "SpamAssassin, all mails (bodies + subject)";
                }
                else
                {
                    int n = p.GetValue(count);
                    docs = DataCleaningBenchmark.SyntheticCorpus(n, seed: 1);
                    options = new DeduplicationOptions { MaxDegreeOfParallelism = t };
                    title = $"synthetic {n / 1000}k (200±100 words, 5% exact + 10% near copies)";
                }
                var r = DataCleaningBenchmark.MeasureDeduplication(title, docs, options);
                output.WriteLine(TorchBench.Load());
                output.WriteLine("| corpus | docs | threads | wall s | CPU s | docs/s (wall) | docs/s per core (CPU time) | exact dups | near dups | bands×rows | peak working set | allocated |");
                output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
                output.WriteLine(FormattableString.Invariant(
                    $"| {r.Name} | {r.Documents} | {r.Threads} | {r.Seconds:F2} | {r.CpuSeconds:F2} | {r.DocumentsPerSecond:F0} | {r.DocumentsPerSecondPerCore:F0} | {r.ExactDuplicates} | {r.NearDuplicates} | {r.Banding} | {r.PeakWorkingSetBytes / 1048576.0:F0} MiB | {r.AllocatedBytes / 1048576.0:F0} MiB |"));
                return 0;
            }));
            return command;
        }

        var ablation = new Command("ablation", "FeaturizeText + SDCA on the split with each cleaning configuration (the table in docs/data-cleaning.md).") { data, only };
        ablation.SetAction(p => context.Guard(() =>
        {
            string dir = p.GetValue(data)!;
            var train = Load(dir, "train.csv");
            var test = Load(dir, "test.csv");
            IReadOnlyCollection<int>? subset = p.GetValue(only) is { Length: > 0 } o
                ? o.Split(',').Select(s => int.TryParse(s, out int i) ? i : throw new CliException($"--only takes configuration numbers separated by commas, not '{o}'.")).ToArray()
                : null;
            output.WriteLine($"train {train.Texts.Length} rows ({train.Labels.Count(l => l == "spam")} spam), test {test.Texts.Length} rows ({test.Labels.Count(l => l == "spam")} spam); {TorchBench.Load()}");
            output.WriteLine("| configuration | train rows after steps | accuracy | F1 (spam) | AUC | fit seconds |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|");
            CleaningAblation.Run(CleaningAblation.LabelledView(train.Texts, train.Labels), CleaningAblation.LabelledView(test.Texts, test.Labels), subset, r =>
            {
                output.WriteLine(FormattableString.Invariant($"| {r.Configuration} | {r.TrainRows} | {r.Accuracy:F4} | {r.F1:F4} | {r.Auc:F4} | {r.Seconds:F1} |"));
                if (r.Reports.Length > 0) context.Err.WriteLine("    " + r.Reports);
            });
            return 0;
        }));
        return new Command("data", "Data-cleaning benchmarks: normalize, dedup-spam, dedup-synthetic, ablation.")
            { normalize, Dedup("dedup-spam", spam: true), Dedup("dedup-synthetic", spam: false), ablation };
    }
}
