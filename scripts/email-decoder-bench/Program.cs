// Side-by-side normalization throughput (run by scripts/bench-email-decoder.sh): TextNormalizer.Normalize from two
// builds of MLNetLlm.Data (hand-written EmailText vs MimeKit), each in its own AssemblyLoadContext, in one process,
// alternating; timed like DataCleaningBenchmark.MeasureNormalization (one thread, warm-up, best of 3, CPU time).
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;

string[] dirs = [args[0], args[1]];
string data = args[2];
int rounds = args.Length > 3 ? int.Parse(args[3]) : 2;

var builds = dirs.Select(d =>
{
    var ctx = new Ctx(Path.GetFullPath(d));
    var core = ctx.LoadFromAssemblyPath(Path.Combine(Path.GetFullPath(d), "MLNetLlm.Core.dll"));
    var dataAsm = ctx.LoadFromAssemblyPath(Path.Combine(Path.GetFullPath(d), "MLNetLlm.Data.dll"));
    return (Name: Path.GetFileName(d.TrimEnd('/')), Core: core, Data: dataAsm);
}).ToArray();

// corpus, read with the first build's DelimitedFile
string[] Column(Assembly core, string file)
{
    var df = core.GetType("MLNetLlm.IO.DelimitedFile")!;
    var table = df.GetMethod("Read")!.Invoke(null, [Path.Combine(data, file), null])!;
    return (string[])table.GetType().GetMethod("Column", [typeof(string)])!.Invoke(table, ["Text"])!;
}
string[] corpus = [.. Column(builds[0].Core, "train.csv"), .. Column(builds[0].Core, "test.csv")];

object Options(Assembly a, bool email)
{
    var t = a.GetType("MLNetLlm.Data.Cleaning.TextNormalizerOptions")!;
    var o = Activator.CreateInstance(t)!;
    if (email) foreach (var p in new[] { "StripEmailHeaders", "MaskUrls", "MaskEmails", "MaskNumbers" }) t.GetProperty(p)!.SetValue(o, true);
    return o;
}

// equivalence: how many documents normalize differently
{
    var norm = builds.Select(b => (b.Data.GetType("MLNetLlm.Data.Cleaning.TextNormalizer")!.GetMethods().First(m => m.Name == "Normalize" && m.GetParameters().Length == 2), Options(b.Data, true))).ToArray();
    int diff = 0; string? example = null;
    foreach (var doc in corpus)
    {
        var r = norm.Select(n => (string)n.Item1.Invoke(null, [doc, n.Item2])!).ToArray();
        if (r[0] != r[1])
        {
            diff++;
            int k = 0; while (k < Math.Min(r[0].Length, r[1].Length) && r[0][k] == r[1][k]) k++;
            string ct = string.Join(" | ", doc.Split('\n').Where(l => l.StartsWith("Content-Type", StringComparison.OrdinalIgnoreCase) || l.StartsWith("Content-Transfer", StringComparison.OrdinalIgnoreCase)).Take(6));
            if (Environment.GetEnvironmentVariable("SHOWDIFF") == "1") Console.WriteLine($"#{diff} len {r[0].Length} vs {r[1].Length} at {k}: [{Ctx2(r[0], k)}] vs [{Ctx2(r[1], k)}]  CT: {ct}");
        }
    }
    Console.WriteLine($"documents: {corpus.Length}; normalized differently (email options): {diff}");
    if (example != null) Console.WriteLine(example);
}
static (long Bytes, double Wall, double Cpu) Measure(string[] docs, Func<string, string> normalize)
{
    long bytes = docs.Sum(d => (long)System.Text.Encoding.UTF8.GetByteCount(d));
    void Once() { foreach (var d in docs) normalize(d); }
    Once();
    double best = double.MaxValue, bestCpu = double.MaxValue;
    for (int r = 0; r < 3; r++)
    {
        double cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Once();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
        bestCpu = Math.Min(bestCpu, System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpu);
    }
    return (bytes, best, bestCpu);
}
static string Ctx2(string s, int k) => s.Substring(Math.Max(0, k - 30), Math.Min(s.Length, k + 90) - Math.Max(0, k - 30)).Replace("\n", "⏎");
static string Trunc(string s) => s.Length > 600 ? s[..600] + "…" : s;

Console.WriteLine("| build | corpus | options | docs | MB (UTF-8) | MB/s (wall) | CPU s | MB/s per core (CPU time) |");
Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|");
for (int round = 0; round < rounds; round++)
    foreach (bool email in new[] { false, true })
        foreach (var b in builds)
        {
            var normalize = b.Data.GetType("MLNetLlm.Data.Cleaning.TextNormalizer")!.GetMethods().First(m => m.Name == "Normalize" && m.GetParameters().Length == 2);
            var o = Options(b.Data, email);
            string run(string text, object options) => (string)normalize.Invoke(null, [text, options])!; // same overhead for both builds
            var r = Measure(corpus, d => run(d, o));
            double Get(string n) => n switch { "Documents" => corpus.Length, "Utf8Bytes" => r.Bytes, "MegabytesPerSecond" => r.Bytes / 1e6 / r.Wall, "CpuSeconds" => r.Cpu, _ => r.Bytes / 1e6 / r.Cpu };
            string summary = (string)o.GetType().GetProperty("Summary")!.GetValue(o)!;
            Console.WriteLine(FormattableString.Invariant(
                $"| {b.Name} | SpamAssassin (raw e-mails), round {round + 1} | {summary} | {Get("Documents")} | {Get("Utf8Bytes") / 1e6:F1} | {Get("MegabytesPerSecond"):F1} | {Get("CpuSeconds"):F2} | {Get("MegabytesPerSecondPerCore"):F1} |"));
        }

sealed class Ctx(string dir) : AssemblyLoadContext(Path.GetFileName(dir), false)
{
    protected override Assembly? Load(AssemblyName name)
    {
        string p = Path.Combine(dir, name.Name + ".dll");
        return name.Name!.StartsWith("MLNetLlm.", StringComparison.Ordinal) && File.Exists(p) ? LoadFromAssemblyPath(p) : null;
    }
}
