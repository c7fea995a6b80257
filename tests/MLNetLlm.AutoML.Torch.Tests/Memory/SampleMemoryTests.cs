using MLNetLlm.AutoML.Torch.Memory;
using MLNetLlm.Torch.Continual;

namespace MLNetLlm.AutoML.Torch.Tests.Memory;

public sealed class SampleMemoryTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("mlnetllm-memory-test-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }

    static float[] Vector(Random r, int dim) => Enumerable.Range(0, dim).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();

    static List<MemoryRow> Rows(int n, int dim, int seed, Func<int, string>? label = null)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(i => new MemoryRow($"text {seed}-{i}", i % 3 == 0 ? $"pair {i}" : null, label?.Invoke(i) ?? (i % 2 == 0 ? "ham" : "spam"), Vector(r, dim))).ToList();
    }

    [Fact]
    public void CosineSearchEqualsABruteForceDoublePrecisionReference()
    {
        // 37: not a multiple of any SIMD width, so the vector tails are exercised
        const int n = 500, dim = 37, k = 7;
        var r = new Random(1);
        var rows = Enumerable.Range(0, n).Select(_ => Vector(r, dim)).ToArray();
        rows[10] = new float[dim]; // a zero row matches nothing better than 0
        var index = new CosineIndex(dim);
        foreach (var v in rows) index.Add(v);
        for (int q = 0; q < 20; q++)
        {
            var query = Vector(r, dim);
            double Cos(float[] a)
            {
                double dot = 0, na = 0, nb = 0;
                for (int i = 0; i < dim; i++) { dot += (double)a[i] * query[i]; na += (double)a[i] * a[i]; nb += (double)query[i] * query[i]; }
                return na == 0 ? 0 : dot / Math.Sqrt(na * nb);
            }
            var expected = rows.Select((v, i) => (Index: i, Sim: Cos(v))).OrderByDescending(x => x.Sim).ThenBy(x => x.Index).Take(k).ToArray();
            var actual = index.Search(query, k);
            Assert.Equal(expected.Select(e => e.Index), actual.Select(a => a.Index));
            AssertClose.All(expected.Select(e => e.Sim).ToArray(), actual.Select(a => a.Similarity).ToArray(), abs: 1e-6, rel: 0);
        }
        Assert.Equal(n, index.Search(Vector(r, dim), n + 5).Length);
    }

    [Fact]
    public void ASqliteMemoryKeepsItsRowsEmbeddingsAndStreamAcrossOpens()
    {
        string db = Path.Combine(_dir, "study.db");
        var memory = SampleMemory.Open(db, "spam", capacity: 50);
        var added = memory.Add(Rows(200, 16, seed: 2), dedupThreshold: 0.999);
        Assert.Equal(new MemoryAddResult(200, 0, added.Stored, 200 - added.Stored), added);
        Assert.Equal(50, memory.Rows.Count);
        Assert.Equal(200, memory.Seen);
        var query = Rows(1, 16, seed: 3)[0].Embedding;
        var hits = memory.Search(query, 5);

        var again = SampleMemory.Open(db, "spam", capacity: 50);
        Assert.Equal(200, again.Seen);
        Assert.Equal(memory.Rows.Select(x => (x.Text, x.Pair, x.Label)), again.Rows.Select(x => (x.Text, x.Pair, x.Label)));
        for (int i = 0; i < memory.Rows.Count; i++) Assert.Equal(memory.Rows[i].Embedding, again.Rows[i].Embedding);
        Assert.Equal(hits, again.Search(query, 5));
        // another memory in the same database is independent; a different capacity for an existing one is refused
        Assert.Empty(SampleMemory.Open(db, "other", capacity: 10).Rows);
        var ex = Assert.Throws<ArgumentException>(() => SampleMemory.Open(db, "spam", capacity: 60));
        Assert.Contains("capacity 50", ex.Message);
    }

    [Fact]
    public void DuplicatesOfRememberedOrEarlierRowsAreSkipped()
    {
        var memory = SampleMemory.Open(Path.Combine(_dir, "m.db"), "m", capacity: 100);
        var rows = Rows(20, 24, seed: 4);
        Assert.Equal(20, memory.Add(rows).Stored);
        // the same rows with a tiny change of the vectors (cosine ≈ 1), and two copies of one new row
        var r = new Random(5);
        var near = rows.Take(5).Select(x => x with { Text = x.Text + "!", Embedding = x.Embedding.Select(v => v * 1.001f + (float)r.NextDouble() * 1e-4f).ToArray() }).ToList();
        var fresh = Rows(1, 24, seed: 6)[0];
        var result = memory.Add([.. near, fresh, fresh with { Text = "copy" }]);
        Assert.Equal(new MemoryAddResult(7, 6, 1, 0), result);
        Assert.Equal(21, memory.Rows.Count);
        Assert.DoesNotContain(memory.Rows, x => x.Text == "copy");
    }

    [Fact]
    public void AClassBalancedMemoryEvensOutAnImbalancedStream()
    {
        var memory = SampleMemory.Open(Path.Combine(_dir, "b.db"), "b", capacity: 40, policy: ReplayPolicy.ClassBalanced);
        var rows = Rows(200, 8, seed: 7, label: i => i % 10 == 0 ? "spam" : "ham");
        memory.Add(rows.Take(120).ToList(), dedupThreshold: 1);
        memory.Add(rows.Skip(120).ToList(), dedupThreshold: 1);
        Assert.Equal(20, memory.Rows.Count(x => x.Label == "spam"));
        Assert.Equal(20, memory.Rows.Count(x => x.Label == "ham"));
        var reopened = SampleMemory.Open(Path.Combine(_dir, "b.db"), "b", capacity: 40, policy: ReplayPolicy.ClassBalanced);
        Assert.Equal(20, reopened.Rows.Count(x => x.Label == "spam"));
    }

    [Fact]
    public void NearestNeighbourReplayReturnsTheClosestRowsOfEachQuery()
    {
        var memory = SampleMemory.Open(Path.Combine(_dir, "n.db"), "n", capacity: 100);
        var rows = Rows(30, 12, seed: 8);
        memory.Add(rows);
        var picked = memory.Nearest([rows[3].Embedding, rows[17].Embedding], k: 1);
        Assert.Equal(new[] { rows[3].Text, rows[17].Text }.Order(), picked.Select(p => p.Text).Order());
        var union = memory.Search(rows[3].Embedding, 2).Concat(memory.Search(rows[17].Embedding, 2)).Select(m => m.Index).Distinct().Order();
        Assert.Equal(union.Select(i => memory.Rows[i].Text), memory.Nearest([rows[3].Embedding, rows[17].Embedding], k: 2).Select(p => p.Text));
    }

    [PostgresMemoryFact]
    public void APostgresMemoryKeepsItsRowsAcrossOpens()
    {
        string name = "test-" + Guid.NewGuid().ToString("N");
        var memory = SampleMemory.Open(Environment.GetEnvironmentVariable("MLNETLLM_PG")!, name, capacity: 30, policy: ReplayPolicy.ClassBalanced);
        memory.Add(Rows(100, 16, seed: 9));
        var again = SampleMemory.Open(Environment.GetEnvironmentVariable("MLNETLLM_PG")!, name, capacity: 30, policy: ReplayPolicy.ClassBalanced);
        Assert.Equal(100, again.Seen);
        Assert.Equal(memory.Rows.Select(x => x.Text), again.Rows.Select(x => x.Text));
        for (int i = 0; i < memory.Rows.Count; i++) Assert.Equal(memory.Rows[i].Embedding, again.Rows[i].Embedding);
        Assert.Equal(15, again.Rows.Count(x => x.Label == "spam"));
    }
}

/// <summary>A fact that needs PostgreSQL at env MLNETLLM_PG (scripts/prereqs.sh ensure_need_postgres exports it); skipped without it, except in CI.</summary>
public sealed class PostgresMemoryFactAttribute : FactAttribute
{
    public PostgresMemoryFactAttribute()
    {
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!ci && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("MLNETLLM_PG"))) Skip = "MLNETLLM_PG is not set (scripts/prereqs.sh ensure_need_postgres)";
    }
}
