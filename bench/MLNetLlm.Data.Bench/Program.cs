// Data-cleaning benchmarks (see docs/benchmarks.md, section "Data cleaning"). Each command prints Markdown table rows.
//   dotnet run -c Release --project bench/MLNetLlm.Data.Bench -- normalize [--data data/spam/full]
//   dotnet run -c Release --project bench/MLNetLlm.Data.Bench -- dedup-spam [--data data/spam/full] [--threads 1]
//   dotnet run -c Release --project bench/MLNetLlm.Data.Bench -- dedup-synthetic [--count 100000] [--threads 1]
//   dotnet run -c Release --project bench/MLNetLlm.Data.Bench -- ablation [--data data/spam/full] [--only 0,1,2]
// Run dedup-* in their own process: the peak working set printed is the process's.
using System.Globalization;
using MLNetLlm.Data.Benchmarks;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.IO;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string command = args.Length > 0 ? args[0] : "help";
string Option(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
string dataDir = Option("--data", "data/spam/full");
int threads = int.Parse(Option("--threads", "1"));

(string[] Texts, string[] Labels) Load(string file)
{
    var table = DelimitedFile.Read(Path.Combine(dataDir, file));
    return (table.Column("Text"), table.Column("Label"));
}

string[] Corpus()
{
    var train = Load("train.csv");
    var test = Load("test.csv");
    return train.Texts.Concat(test.Texts).ToArray();
}

var emailOptions = new TextNormalizerOptions { StripEmailHeaders = true, MaskUrls = true, MaskEmails = true, MaskNumbers = true };
switch (command)
{
    case "normalize":
    {
        var corpus = Corpus();
        var synthetic = DataCleaningBenchmark.SyntheticCorpus(100_000, seed: 1);
        Console.WriteLine("| corpus | options | docs | MB (UTF-8) | threads | MB/s (wall) | CPU s | MB/s per core (CPU time) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, docs, options) in new[]
        {
            ("SpamAssassin (raw e-mails)", corpus, new TextNormalizerOptions()),
            ("SpamAssassin (raw e-mails)", corpus, emailOptions),
            ("synthetic 100k (plain text)", synthetic, new TextNormalizerOptions()),
            ("synthetic 100k (plain text)", synthetic, new TextNormalizerOptions { MaskUrls = true, MaskEmails = true, MaskNumbers = true }),
        })
        {
            var r = DataCleaningBenchmark.MeasureNormalization(name, docs, options, threads);
            Console.WriteLine($"| {name} | {options.Summary} | {r.Documents} | {r.Utf8Bytes / 1e6:F1} | {r.Threads} | {r.MegabytesPerSecond:F1} | {r.CpuSeconds:F2} | {r.MegabytesPerSecondPerCore:F1} |");
        }
        break;
    }
    case "dedup-spam":
    case "dedup-synthetic":
    {
        string[] docs;
        DeduplicationOptions options;
        string name;
        if (command == "dedup-spam")
        {
            docs = Corpus();
            options = new DeduplicationOptions { Normalization = new TextNormalizerOptions { StripEmailHeaders = true }, MaxDegreeOfParallelism = threads };
            name = "SpamAssassin, all mails (bodies + subject)";
        }
        else
        {
            int count = int.Parse(Option("--count", "100000"));
            docs = DataCleaningBenchmark.SyntheticCorpus(count, seed: 1);
            options = new DeduplicationOptions { MaxDegreeOfParallelism = threads };
            name = $"synthetic {count / 1000}k (200±100 words, 5% exact + 10% near copies)";
        }
        var r = DataCleaningBenchmark.MeasureDeduplication(name, docs, options);
        Console.WriteLine("| corpus | docs | threads | wall s | CPU s | docs/s (wall) | docs/s per core (CPU time) | exact dups | near dups | bands×rows | peak working set | allocated |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
        Console.WriteLine($"| {r.Name} | {r.Documents} | {r.Threads} | {r.Seconds:F2} | {r.CpuSeconds:F2} | {r.DocumentsPerSecond:F0} | {r.DocumentsPerSecondPerCore:F0} | {r.ExactDuplicates} | {r.NearDuplicates} | {r.Banding} | {r.PeakWorkingSetBytes / 1048576.0:F0} MiB | {r.AllocatedBytes / 1048576.0:F0} MiB |");
        break;
    }
    case "ablation":
    {
        var train = Load("train.csv");
        var test = Load("test.csv");
        var only = Option("--only", "");
        IReadOnlyCollection<int>? subset = only.Length == 0 ? null : only.Split(',').Select(int.Parse).ToArray();
        Console.WriteLine($"train {train.Texts.Length} rows ({train.Labels.Count(l => l == "spam")} spam), test {test.Texts.Length} rows ({test.Labels.Count(l => l == "spam")} spam)");
        Console.WriteLine("| configuration | train rows after steps | accuracy | F1 (spam) | AUC | fit seconds |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        CleaningAblation.Run(CleaningAblation.LabelledView(train.Texts, train.Labels), CleaningAblation.LabelledView(test.Texts, test.Labels), subset, r =>
        {
            Console.WriteLine($"| {r.Configuration} | {r.TrainRows} | {r.Accuracy:F4} | {r.F1:F4} | {r.Auc:F4} | {r.Seconds:F1} |");
            if (r.Reports.Length > 0) Console.Error.WriteLine("    " + r.Reports);
        });
        break;
    }
    default:
        Console.WriteLine("commands: normalize | dedup-spam | dedup-synthetic | ablation   (options: --data DIR, --threads N, --count N, --only i,j)");
        break;
}
