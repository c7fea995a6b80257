using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MLNetLlm.AutoML.Torch.Memory;

namespace MLNetLlm.Cli.Commands.Bench;

/// <summary>
/// <c>mlnet-llm bench memory</c>: the sample memory's exact cosine search (SIMD, TensorPrimitives) against a plain
/// scalar loop over the same rows, per memory size, and the time to write and reopen a SQLite memory of that size.
/// Random unit vectors of the embedding dimension; the search cost does not depend on the values.
/// </summary>
internal static class MemoryBench
{
    public static Command Create(CliContext context)
    {
        var output = context.Out;
        var sizes = new Option<int[]>("--rows") { Description = "Memory sizes (default 1000 10000 100000).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [1000, 10000, 100000] };
        var dim = new Option<int>("--dim") { Description = "Embedding dimension (default 384, MiniLM's).", DefaultValueFactory = _ => 384 };
        var queries = new Option<int>("--queries") { Description = "Timed queries per size (default 50).", DefaultValueFactory = _ => 50 };
        var k = new Option<int>("-k") { Description = "Neighbours per query (default 10).", DefaultValueFactory = _ => 10 };
        var sqliteMax = new Option<int>("--sqlite-max") { Description = "Largest size also written to and reopened from SQLite (default 10000).", DefaultValueFactory = _ => 10000 };
        var command = new Command("memory", "Sample memory: exact cosine top-k query time (SIMD vs scalar) and SQLite write/open time by memory size.") { sizes, dim, queries, k, sqliteMax };
        command.SetAction(p => context.Guard(() =>
        {
            int d = p.GetValue(dim), nq = p.GetValue(queries), topK = p.GetValue(k);
            output.WriteLine($"Sample memory, dimension {d}, top-{topK}, {nq} queries per size; {TorchBench.Load()}");
            output.WriteLine("| rows | SIMD query ms (min) | SIMD median | scalar query ms (min) | scalar median | scalar / SIMD (min) | SQLite add s | SQLite open s |");
            output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
            var random = new Random(1);
            float[] Vector() => Enumerable.Range(0, d).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            foreach (int n in p.GetValue(sizes)!)
            {
                var rows = Enumerable.Range(0, n).Select(_ => Vector()).ToArray();
                var index = new CosineIndex(d, n);
                foreach (var v in rows) index.Add(v);
                var qs = Enumerable.Range(0, nq).Select(_ => Vector()).ToArray();
                index.Search(qs[0], topK); // warm-up
                var sw = new Stopwatch();
                var simdMs = qs.Select(q => Timed(() => index.Search(q, topK))).ToArray();
                // the same normalised rows compared by a scalar loop with a full sort (what a naive implementation does)
                var normalised = rows.Select(v => { double s = Math.Sqrt(v.Sum(x => (double)x * x)); return v.Select(x => (float)(x / s)).ToArray(); }).ToArray();
                var scalarMs = qs.Select(q => Timed(() =>
                {
                    var scores = new float[n];
                    for (int i = 0; i < n; i++) { float dot = 0; var r = normalised[i]; for (int j = 0; j < d; j++) dot += r[j] * q[j]; scores[i] = dot; }
                    _ = scores.Select((s, i) => (s, i)).OrderByDescending(x => x.s).Take(topK).ToArray();
                })).ToArray();
                // on a shared machine a query's time is mostly waiting for a core: the minimum is the query's own cost,
                // the median what a query met at this load
                double simd = simdMs.Min(), scalar = scalarMs.Min();
                string add = "", open = "";
                if (n <= p.GetValue(sqliteMax))
                {
                    string dir = Directory.CreateTempSubdirectory("mlnetllm-memory-bench-").FullName;
                    try
                    {
                        string db = Path.Combine(dir, "memory.db");
                        sw.Restart();
                        SampleMemory.Open(db, "bench", capacity: n).Add(rows.Select((v, i) => new MemoryRow("row " + i, null, i % 2 == 0 ? "ham" : "spam", v)).ToArray(), dedupThreshold: null);
                        add = sw.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture);
                        sw.Restart();
                        var reopened = SampleMemory.Open(db, "bench", capacity: n);
                        open = sw.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture);
                        if (reopened.Rows.Count != n) throw new InvalidOperationException($"reopened {reopened.Rows.Count} of {n} rows");
                    }
                    finally
                    {
                        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                        Directory.Delete(dir, true);
                    }
                }
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {n} | {simd:F3} | {Median(simdMs):F3} | {scalar:F3} | {Median(scalarMs):F3} | {scalar / simd:F1}× | {add} | {open} |"));
            }
            output.WriteLine($"  (after the runs: {TorchBench.Load()})");
            return 0;
        }));
        return command;
    }

    static double Timed(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
