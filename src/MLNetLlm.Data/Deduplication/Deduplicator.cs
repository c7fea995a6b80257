using System.Buffers;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Deduplication;

/// <summary>
/// Drops duplicate rows of a text column, keeping the first of each group (input order): exact duplicates (equal
/// normalized text) and, with <see cref="DeduplicationMethod.NearDuplicate"/>, near duplicates found by MinHash
/// signatures and LSH banding and confirmed by the estimated Jaccard similarity (share of equal signature values).
/// Deterministic for a given <see cref="DeduplicationOptions.Seed"/>. A training-only row step (<see cref="IRowOperation"/>).
/// </summary>
public sealed class Deduplicator : IRowOperation
{
    const int MaxCandidatesPerBucket = 64; // bounds the work for huge groups of near-identical texts
    readonly DeduplicationOptions _options;

    /// <summary>Creates the step; <paramref name="options"/> null: defaults.</summary>
    public Deduplicator(DeduplicationOptions? options = null)
    {
        _options = (options ?? new DeduplicationOptions()).Clone();
        _options.Validate();
    }

    /// <summary>A copy of the options.</summary>
    public DeduplicationOptions Options => _options.Clone();

    /// <inheritdoc/>
    public string Name => "Deduplicate";

    /// <inheritdoc/>
    public void CheckSchema(DataViewSchema schema) => RowOperationColumns.RequireText(schema, _options.TextColumnName, Name);

    /// <inheritdoc/>
    public RowOperationResult Apply(IDataView data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckSchema(data.Schema);
        var view = InMemoryDataView.Materialize(data);
        var texts = view.GetColumn<ReadOnlyMemory<char>>(_options.TextColumnName);
        var result = FindDuplicates(texts.Select(t => t.ToString()).ToArray());
        int removed = view.RowCount - result.KeptRows.Count;
        if (removed > _options.MaxRemovedFraction * view.RowCount)
            throw new InvalidOperationException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{Name} of column '{_options.TextColumnName}' would drop {removed:N0} of {view.RowCount:N0} rows ({100.0 * removed / view.RowCount:F1}%: {result.ExactDuplicates:N0} exact, {result.NearDuplicates:N0} near duplicates), more than MaxRemovedFraction {_options.MaxRemovedFraction:0.###} allows; ") +
                (_options.Method == DeduplicationMethod.NearDuplicate
                    ? $"{_options.Shingles.ToString().ToLowerInvariant()} shingles of {_options.ShingleSize} at Jaccard {_options.JaccardThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture)} match texts that merely share vocabulary — use longer shingles or a higher threshold, or raise MaxRemovedFraction if the data really is mostly duplicates."
                    : "raise MaxRemovedFraction if the data really is mostly duplicates."));
        var report = new RowOperationReport(Name, view.RowCount, result.KeptRows.Count,
            dropped: new Dictionary<string, int> { ["exact-duplicate"] = result.ExactDuplicates, ["near-duplicate"] = result.NearDuplicates },
            details: Details(result));
        return new RowOperationResult(view.SelectRows(result.KeptRows), report);
    }

    Dictionary<string, string> Details(DeduplicationResult r)
    {
        var d = new Dictionary<string, string> { ["method"] = _options.Method.ToString() };
        if (_options.Method == DeduplicationMethod.NearDuplicate)
        {
            d["jaccard"] = _options.JaccardThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture);
            d["permutations"] = _options.NumPermutations.ToString(System.Globalization.CultureInfo.InvariantCulture);
            d["bands"] = $"{r.Bands}x{r.RowsPerBand}";
            d["shingles"] = $"{_options.Shingles.ToString().ToLowerInvariant()}-{_options.ShingleSize}";
        }
        return d;
    }

    /// <summary>Finds the duplicates among <paramref name="texts"/> (null counts as empty). Usable without ML.NET.</summary>
    public DeduplicationResult FindDuplicates(IReadOnlyList<string?> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        int n = texts.Count;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism > 0 ? _options.MaxDegreeOfParallelism : Environment.ProcessorCount };
        bool near = _options.Method == DeduplicationMethod.NearDuplicate;
        var hasher = near ? new MinHasher(_options.NumPermutations, _options.Seed) : null;
        int stride = hasher?.PaddedLength ?? 0;
        var normalized = new string[n];
        var signatures = near ? new uint[(long)n * stride] : [];
        var hasShingles = new bool[n];

        Parallel.For(0, n, parallel, i =>
        {
            string s = texts[i] ?? "";
            normalized[i] = _options.Normalization == null ? s : TextNormalizer.Normalize(s, _options.Normalization);
            if (hasher != null)
                hasShingles[i] = hasher.Compute(normalized[i], _options.Shingles, _options.ShingleSize, signatures.AsSpan((int)((long)i * stride), stride));
        });

        var duplicateOf = new int[n];
        var kinds = new DuplicateKind[n];
        var firstByText = new Dictionary<string, int>(n, StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            if (firstByText.TryGetValue(normalized[i], out int first)) { duplicateOf[i] = first; kinds[i] = DuplicateKind.Exact; }
            else { firstByText.Add(normalized[i], i); duplicateOf[i] = -1; }
        }
        if (hasher == null) return new DeduplicationResult(duplicateOf, kinds, 0, 0);

        var (bands, rows) = LshParameters.Choose(_options.NumPermutations, _options.JaccardThreshold);
        FindNearDuplicates(n, signatures, stride, hasShingles, bands, rows, duplicateOf, kinds);
        // An exact duplicate of a row that turned out to be a near duplicate points to the row that was kept.
        for (int i = 0; i < n; i++)
            if (kinds[i] == DuplicateKind.Exact && duplicateOf[duplicateOf[i]] >= 0) duplicateOf[i] = duplicateOf[duplicateOf[i]];
        return new DeduplicationResult(duplicateOf, kinds, bands, rows);
    }

    void FindNearDuplicates(int n, uint[] signatures, int stride, bool[] hasShingles, int bands, int rows, int[] duplicateOf, DuplicateKind[] kinds)
    {
        int perms = _options.NumPermutations;
        int needed = (int)Math.Ceiling(_options.JaccardThreshold * perms - 1e-9);
        var buckets = new Dictionary<ulong, int>[bands];
        for (int b = 0; b < bands; b++) buckets[b] = new Dictionary<ulong, int>();
        var next = new int[(long)n * bands]; // per (row, band): the next kept row in the same bucket, −1 at the end
        var checkedFor = new int[n];
        Array.Fill(checkedFor, -1);
        var keys = new ulong[bands];
        for (int i = 0; i < n; i++)
        {
            if (kinds[i] != DuplicateKind.Kept || !hasShingles[i]) continue;
            var sig = signatures.AsSpan(i * stride, perms);
            int match = -1;
            for (int b = 0; b < bands && match < 0; b++)
            {
                keys[b] = BandKey(sig.Slice(b * rows, rows), b);
                if (!buckets[b].TryGetValue(keys[b], out int j)) continue;
                for (int c = 0; j >= 0 && c < MaxCandidatesPerBucket; c++, j = next[(long)j * bands + b])
                {
                    if (checkedFor[j] == i) continue;
                    checkedFor[j] = i;
                    if (Agreement(sig, signatures.AsSpan(j * stride, perms), needed)) { match = j; break; }
                }
            }
            if (match >= 0) { duplicateOf[i] = match; kinds[i] = DuplicateKind.Near; continue; }
            for (int b = 0; b < bands; b++)
            {
                ref int head = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(buckets[b], keys[b], out bool exists);
                next[(long)i * bands + b] = exists ? head : -1;
                head = i;
            }
        }
    }

    /// <summary>True when at least <paramref name="needed"/> signature positions agree (stops early either way).</summary>
    static bool Agreement(ReadOnlySpan<uint> a, ReadOnlySpan<uint> b, int needed)
    {
        int equal = 0, remaining = a.Length;
        for (int p = 0; p < a.Length; p++, remaining--)
        {
            if (a[p] == b[p]) { if (++equal >= needed) return true; }
            else if (equal + remaining - 1 < needed) return false;
        }
        return equal >= needed;
    }

    static ulong BandKey(ReadOnlySpan<uint> band, int bandIndex)
    {
        ulong h = (ulong)bandIndex * 0x9E3779B97F4A7C15UL;
        foreach (uint v in band) h = MinHasher.Mix64(h ^ v);
        return h;
    }
}
