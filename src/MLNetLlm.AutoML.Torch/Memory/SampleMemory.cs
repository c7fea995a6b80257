using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using MLNetLlm.Torch.Continual;
using Npgsql;

namespace MLNetLlm.AutoML.Torch.Memory;

/// <summary>
/// A bounded memory of past training rows with their embeddings, for continual learning: rows offered by each round are
/// deduplicated against it (cosine similarity), admitted by reservoir or class-balanced sampling, and replayed — all of
/// them or the nearest neighbours of the new rows — in the next round. Kept in the study database next to the AutoML
/// trials: a SQLite file (default) or PostgreSQL (a connection string, shared by several machines), tables
/// <c>memory_sets</c>, <c>memory_classes</c> and <c>memory_rows</c> (created when missing). The rows are held in RAM
/// for exact SIMD cosine search (<see cref="Search"/>); see docs/continual-learning.md for the scale this holds.
/// </summary>
/// <example><code>
/// var memory = SampleMemory.Open("study.db", "spam", capacity: 2000, policy: ReplayPolicy.ClassBalanced);
/// memory.Add(rows, dedupThreshold: 0.98);
/// var nearest = memory.Search(queryEmbedding, k: 5);
/// </code></example>
public sealed class SampleMemory
{
    readonly Func<DbConnection> _open;
    readonly bool _postgres;
    readonly List<MemoryRow> _rows = [];
    CosineIndex? _index;
    Dictionary<string, long> _seenPerClass = new(StringComparer.Ordinal);

    SampleMemory(Func<DbConnection> open, bool postgres, string name)
    {
        _open = open;
        _postgres = postgres;
        Name = name;
    }

    /// <summary>The memory's name in the database (one database holds many).</summary>
    public string Name { get; }

    /// <summary>Most rows kept.</summary>
    public int Capacity { get; private set; }

    /// <summary>How rows are admitted once the memory is full.</summary>
    public ReplayPolicy Policy { get; private set; }

    /// <summary>Rows offered after deduplication over the memory's life (the reservoir's stream length).</summary>
    public long Seen { get; private set; }

    /// <summary>The remembered rows, in slot order.</summary>
    public IReadOnlyList<MemoryRow> Rows => _rows;

    /// <summary>The embeddings' dimension (0 while empty).</summary>
    public int Dimension => _index?.Dimension ?? 0;

    /// <summary>
    /// Opens (or creates) memory <paramref name="name"/> in <paramref name="storage"/>: a SQLite file path, or a
    /// PostgreSQL connection string (anything with '=' such as <c>Host=db;Database=automl;Username=…</c>). The capacity
    /// and policy of an existing memory are kept; given ones that differ are an error.
    /// </summary>
    public static SampleMemory Open(string storage, string name, int capacity = 1000, ReplayPolicy policy = ReplayPolicy.Reservoir)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storage);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        SampleMemory memory;
        if (storage.Contains('='))
        {
            NpgsqlDataSource source;
            try { source = NpgsqlDataSource.Create(storage); }
            catch (ArgumentException e) { throw new ArgumentException($"Not a valid PostgreSQL connection string: {e.Message}", nameof(storage), e); }
            memory = new SampleMemory(() => source.OpenConnection(), postgres: true, name);
        }
        else
        {
            string path = Path.GetFullPath(storage);
            var dir = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir)) throw new DirectoryNotFoundException($"The folder of the SQLite file '{path}' does not exist.");
            string cs = new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 30, Pooling = true }.ToString();
            memory = new SampleMemory(() =>
            {
                var c = new SqliteConnection(cs);
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 30000;";
                cmd.ExecuteNonQuery();
                return c;
            }, postgres: false, name);
        }
        memory.Load(capacity, policy);
        return memory;
    }

    string Blob => _postgres ? "BYTEA" : "BLOB";
    string Big => _postgres ? "BIGINT" : "INTEGER";

    void Load(int capacity, ReplayPolicy policy)
    {
        using var c = _open();
        using var tx = c.BeginTransaction();
        if (_postgres) Exec(c, tx, "SELECT pg_advisory_xact_lock(727202)");
        Exec(c, tx, $"CREATE TABLE IF NOT EXISTS memory_sets (name TEXT PRIMARY KEY, capacity INTEGER NOT NULL, policy TEXT NOT NULL, seen {Big} NOT NULL, dimension INTEGER NOT NULL)");
        Exec(c, tx, $"CREATE TABLE IF NOT EXISTS memory_classes (memory TEXT NOT NULL, label TEXT NOT NULL, seen {Big} NOT NULL, PRIMARY KEY (memory, label))");
        Exec(c, tx, $"CREATE TABLE IF NOT EXISTS memory_rows (memory TEXT NOT NULL, slot INTEGER NOT NULL, text TEXT NOT NULL, pair TEXT, label TEXT NOT NULL, embedding {Blob} NOT NULL, PRIMARY KEY (memory, slot))");
        using (var r = Reader(c, tx, "SELECT capacity, policy, seen FROM memory_sets WHERE name = @n", ("@n", Name)))
        {
            if (r.Read())
            {
                Capacity = Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture);
                Policy = Enum.Parse<ReplayPolicy>(r.GetString(1));
                Seen = Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture);
            }
            else (Capacity, Policy, Seen) = (0, policy, 0);
        }
        if (Capacity == 0)
        {
            Capacity = capacity;
            Exec(c, tx, "INSERT INTO memory_sets (name, capacity, policy, seen, dimension) VALUES (@n, @c, @p, 0, 0)", ("@n", Name), ("@c", capacity), ("@p", policy.ToString()));
        }
        else if (Capacity != capacity || Policy != policy)
            throw new ArgumentException($"Memory '{Name}' exists with capacity {Capacity} and policy {Policy}, not {capacity} and {policy}.");
        using (var r = Reader(c, tx, "SELECT label, seen FROM memory_classes WHERE memory = @n", ("@n", Name)))
            while (r.Read()) _seenPerClass[r.GetString(0)] = Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture);
        using (var r = Reader(c, tx, "SELECT slot, text, pair, label, embedding FROM memory_rows WHERE memory = @n ORDER BY slot", ("@n", Name)))
            while (r.Read())
            {
                int slot = Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture);
                if (slot != _rows.Count) throw new InvalidDataException($"Memory '{Name}': slot {slot} follows slot {_rows.Count - 1}; the table memory_rows is damaged.");
                var bytes = (byte[])r.GetValue(4);
                var row = new MemoryRow(r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), MemoryMarshal.Cast<byte, float>(bytes).ToArray());
                _rows.Add(row);
                (_index ??= new CosineIndex(row.Embedding.Length, Capacity)).Add(row.Embedding);
            }
        tx.Commit();
    }

    /// <summary>
    /// Offers <paramref name="rows"/>: a row whose cosine similarity to a remembered row (or to a row offered before
    /// it in this call) is at least <paramref name="dedupThreshold"/> (null: no deduplication) is skipped; the others are admitted by the memory's
    /// policy (a free slot, or by reservoir / class-balanced sampling over every row ever offered). The changes are
    /// written in one transaction. The sampling is seeded by <paramref name="seed"/> and the memory's history.
    /// </summary>
    public MemoryAddResult Add(IReadOnlyList<MemoryRow> rows, double? dedupThreshold = 0.98, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (dedupThreshold is { } th && !(th > -1 && th <= 1.0000001)) throw new ArgumentOutOfRangeException(nameof(dedupThreshold), dedupThreshold, "The threshold must be in (-1, 1].");
        var random = new Random(HashCode.Combine(seed, Seen, Name.Length));
        var reservoir = new ReservoirSampler(Capacity, random, Seen);
        var balanced = new ClassBalancedReservoir(Capacity, random, _rows.Select(r => r.Label), _seenPerClass);
        var changed = new HashSet<int>();
        var offeredIndex = _index is null ? null : new CosineIndex(_index.Dimension);
        int duplicates = 0, stored = 0, notSampled = 0;
        foreach (var row in rows)
        {
            _index ??= new CosineIndex(row.Embedding.Length, Capacity);
            offeredIndex ??= new CosineIndex(_index.Dimension);
            bool duplicate = dedupThreshold is { } t && (_index.Search(row.Embedding, 1) is [var m] && m.Similarity >= t
                || offeredIndex.Search(row.Embedding, 1) is [var o] && o.Similarity >= t);
            if (dedupThreshold != null) offeredIndex.Add(row.Embedding);
            if (duplicate) { duplicates++; continue; }
            int slot = Policy == ReplayPolicy.Reservoir ? reservoir.Offer() : balanced.Offer(row.Label);
            Seen++;
            if (slot < 0) { notSampled++; continue; }
            if (slot == _rows.Count) { _rows.Add(row); _index.Add(row.Embedding); }
            else { _rows[slot] = row; _index.Set(slot, row.Embedding); }
            changed.Add(slot);
            stored++;
        }
        _seenPerClass = new Dictionary<string, long>(balanced.SeenPerClass, StringComparer.Ordinal);
        Save(changed);
        return new MemoryAddResult(rows.Count, duplicates, stored, notSampled);
    }

    /// <summary>Replaces every row's embedding (after a new model version re-embedded the rows, in <see cref="Rows"/> order).</summary>
    public void ReplaceEmbeddings(IReadOnlyList<float[]> embeddings)
    {
        if (embeddings.Count != _rows.Count) throw new ArgumentException($"{embeddings.Count} embeddings for {_rows.Count} rows.");
        if (_rows.Count == 0) return;
        _index = new CosineIndex(embeddings[0].Length, Capacity);
        for (int i = 0; i < _rows.Count; i++)
        {
            _rows[i] = _rows[i] with { Embedding = embeddings[i] };
            _index.Add(embeddings[i]);
        }
        Save(Enumerable.Range(0, _rows.Count).ToHashSet());
    }

    /// <summary>The <paramref name="k"/> remembered rows most similar to <paramref name="query"/> (exact cosine), best first.</summary>
    public IReadOnlyList<MemoryMatch> Search(ReadOnlySpan<float> query, int k) => _index is null ? [] : _index.Search(query, k);

    /// <summary>Nearest-neighbour replay: the distinct rows among the <paramref name="k"/> nearest of each query, in slot order.</summary>
    public IReadOnlyList<MemoryRow> Nearest(IEnumerable<float[]> queries, int k)
    {
        var picked = new SortedSet<int>();
        foreach (var q in queries) foreach (var m in Search(q, k)) picked.Add(m.Index);
        return picked.Select(i => _rows[i]).ToArray();
    }

    void Save(HashSet<int> slots)
    {
        using var c = _open();
        using var tx = c.BeginTransaction();
        Exec(c, tx, "UPDATE memory_sets SET seen = @s, dimension = @d WHERE name = @n", ("@s", Seen), ("@d", Dimension), ("@n", Name));
        Exec(c, tx, "DELETE FROM memory_classes WHERE memory = @n", ("@n", Name));
        foreach (var (label, seen) in _seenPerClass)
            Exec(c, tx, "INSERT INTO memory_classes (memory, label, seen) VALUES (@n, @l, @s)", ("@n", Name), ("@l", label), ("@s", seen));
        foreach (int slot in slots.Order())
        {
            var row = _rows[slot];
            Exec(c, tx, "DELETE FROM memory_rows WHERE memory = @n AND slot = @i", ("@n", Name), ("@i", slot));
            Exec(c, tx, "INSERT INTO memory_rows (memory, slot, text, pair, label, embedding) VALUES (@n, @i, @t, @p, @l, @e)",
                ("@n", Name), ("@i", slot), ("@t", row.Text), ("@p", row.Pair), ("@l", row.Label), ("@e", MemoryMarshal.AsBytes(row.Embedding.AsSpan()).ToArray()));
        }
        tx.Commit();
    }

    static DbCommand Command(DbConnection c, DbTransaction tx, string sql, (string Name, object? Value)[] ps)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in ps)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    static void Exec(DbConnection c, DbTransaction tx, string sql, params (string, object?)[] ps)
    {
        using var cmd = Command(c, tx, sql, ps);
        cmd.ExecuteNonQuery();
    }

    static DbDataReader Reader(DbConnection c, DbTransaction tx, string sql, params (string, object?)[] ps)
    {
        var cmd = Command(c, tx, sql, ps);
        return cmd.ExecuteReader();
    }
}
