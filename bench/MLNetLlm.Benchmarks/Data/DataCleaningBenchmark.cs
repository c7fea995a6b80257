using System.Diagnostics;
using System.Text;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Data;

namespace MLNetLlm.Benchmarks.Data;

/// <summary>
/// Throughput measurements of the data steps, run by the CLI
/// (<c>mlnet-llm bench data</c>): normalization MB/s, deduplication docs/s and peak memory, and a synthetic corpus.
/// Results are per run; report the machine with them.
/// </summary>
public static class DataCleaningBenchmark
{
    /// <summary>Normalization throughput: UTF-8 megabytes (10⁶ bytes) of input per second.</summary>
    /// <remarks>
    /// <see cref="CpuSeconds"/> is the process's CPU time during the run: on a shared machine wall-clock time includes
    /// waiting for a core, so "per core" figures divide by CPU time, not by wall time × threads.
    /// </remarks>
    public sealed record NormalizationResult(string Name, int Documents, long Utf8Bytes, double Seconds, double CpuSeconds, int Threads)
    {
        /// <summary>Input MB per wall-clock second, all threads.</summary>
        public double MegabytesPerSecond => Utf8Bytes / 1e6 / Seconds;

        /// <summary>Input MB per CPU second (per core).</summary>
        public double MegabytesPerSecondPerCore => Utf8Bytes / 1e6 / CpuSeconds;
    }

    /// <summary>Deduplication throughput and memory.</summary>
    public sealed record DeduplicationBenchResult(string Name, int Documents, double Seconds, double CpuSeconds, int Threads, int ExactDuplicates, int NearDuplicates,
        string Banding, long PeakWorkingSetBytes, long AllocatedBytes)
    {
        /// <summary>Documents per wall-clock second, all threads.</summary>
        public double DocumentsPerSecond => Documents / Seconds;

        /// <summary>Documents per CPU second (per core).</summary>
        public double DocumentsPerSecondPerCore => Documents / CpuSeconds;
    }

    static double CpuSeconds()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Normalizes every document <paramref name="repetitions"/> times on <paramref name="threads"/> threads (after one warm-up pass) and keeps the best time.</summary>
    public static NormalizationResult MeasureNormalization(string name, IReadOnlyList<string> documents, TextNormalizerOptions options, int threads = 1, int repetitions = 3)
    {
        ArgumentNullException.ThrowIfNull(documents);
        long bytes = documents.Sum(d => (long)Encoding.UTF8.GetByteCount(d));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        void Once() => Parallel.For(0, documents.Count, parallel, i => TextNormalizer.Normalize(documents[i], options));
        Once();
        double best = double.MaxValue, bestCpu = double.MaxValue;
        for (int r = 0; r < repetitions; r++)
        {
            double cpu = CpuSeconds();
            var sw = Stopwatch.StartNew();
            Once();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            bestCpu = Math.Min(bestCpu, CpuSeconds() - cpu);
        }
        return new NormalizationResult(name, documents.Count, bytes, best, bestCpu, threads);
    }

    /// <summary>
    /// Deduplicates <paramref name="documents"/> once (normalization included, as in the row step) after a small warm-up,
    /// with <see cref="DeduplicationOptions.MaxDegreeOfParallelism"/> threads. Peak working set is the process's peak
    /// so far (run it in a fresh process for a clean number).
    /// </summary>
    public static DeduplicationBenchResult MeasureDeduplication(string name, IReadOnlyList<string> documents, DeduplicationOptions options)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var dedup = new Deduplicator(options);
        dedup.FindDuplicates(documents.Take(Math.Min(200, documents.Count)).ToArray()); // JIT warm-up
        GC.Collect();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        double cpu = CpuSeconds();
        var sw = Stopwatch.StartNew();
        var result = dedup.FindDuplicates(documents);
        double seconds = sw.Elapsed.TotalSeconds;
        cpu = CpuSeconds() - cpu;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        int threads = options.MaxDegreeOfParallelism > 0 ? options.MaxDegreeOfParallelism : Environment.ProcessorCount;
        return new DeduplicationBenchResult(name, documents.Count, seconds, cpu, threads, result.ExactDuplicates, result.NearDuplicates,
            result.Bands == 0 ? "-" : $"{result.Bands}x{result.RowsPerBand}", process.PeakWorkingSet64, allocated);
    }

    /// <summary>
    /// A synthetic corpus of e-mail-like documents (Zipf-distributed words from a 20,000-word vocabulary) in which
    /// <paramref name="exactRate"/> of the documents repeat an earlier one verbatim and <paramref name="nearRate"/> are
    /// earlier documents with 3% of their words replaced. Deterministic for a seed.
    /// </summary>
    public static string[] SyntheticCorpus(int count, int seed = 1, int wordsPerDocument = 200, double exactRate = 0.05, double nearRate = 0.10)
    {
        var rng = new Random(seed);
        const int vocabulary = 20_000;
        var words = Enumerable.Range(0, vocabulary).Select(i => Word(i)).ToArray();
        // Zipf(1) sampling by inverse CDF over precomputed cumulative weights
        var cdf = new double[vocabulary];
        double total = 0;
        for (int i = 0; i < vocabulary; i++) { total += 1.0 / (i + 1); cdf[i] = total; }
        int Sample() { int k = Array.BinarySearch(cdf, rng.NextDouble() * total); return k < 0 ? Math.Min(~k, vocabulary - 1) : k; }

        var docs = new string[count];
        var sb = new StringBuilder();
        for (int d = 0; d < count; d++)
        {
            double u = rng.NextDouble();
            if (d > 10 && u < exactRate) { docs[d] = docs[rng.Next(d)]; continue; }
            if (d > 10 && u < exactRate + nearRate)
            {
                var tokens = docs[rng.Next(d)].Split(' ');
                for (int k = 0; k < Math.Max(1, tokens.Length * 3 / 100); k++) tokens[rng.Next(tokens.Length)] = words[Sample()];
                docs[d] = string.Join(' ', tokens);
                continue;
            }
            sb.Clear();
            int n = wordsPerDocument / 2 + rng.Next(wordsPerDocument);
            for (int w = 0; w < n; w++)
            {
                if (w > 0) sb.Append(w % 17 == 0 ? ". " : " ");
                sb.Append(words[Sample()]);
            }
            docs[d] = sb.ToString();
        }
        return docs;
    }

    static string Word(int i)
    {
        const string letters = "etaoinshrdlcumwfgypbvkjxqz";
        var sb = new StringBuilder();
        int v = i + 26;
        while (v > 0) { sb.Append(letters[v % 26]); v /= 26; }
        return sb.ToString();
    }
}
