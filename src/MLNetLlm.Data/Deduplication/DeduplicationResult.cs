namespace MLNetLlm.Data.Deduplication;

/// <summary>The outcome of <see cref="Deduplicator.FindDuplicates"/>: per row, kept or a duplicate of which earlier row.</summary>
public sealed class DeduplicationResult
{
    internal DeduplicationResult(int[] duplicateOf, DuplicateKind[] kinds, int bands, int rowsPerBand)
    {
        DuplicateOf = duplicateOf;
        Kinds = kinds;
        Bands = bands;
        RowsPerBand = rowsPerBand;
        var kept = new List<int>();
        for (int i = 0; i < kinds.Length; i++)
        {
            if (kinds[i] == DuplicateKind.Kept) kept.Add(i);
            else if (kinds[i] == DuplicateKind.Exact) ExactDuplicates++;
            else NearDuplicates++;
        }
        KeptRows = kept;
    }

    /// <summary>For each row, the earlier kept row it duplicates, or −1 when it is kept.</summary>
    public IReadOnlyList<int> DuplicateOf { get; }

    /// <summary>For each row, kept or why dropped.</summary>
    public IReadOnlyList<DuplicateKind> Kinds { get; }

    /// <summary>The kept rows, in input order (the first of each group of duplicates).</summary>
    public IReadOnlyList<int> KeptRows { get; }

    /// <summary>Rows dropped as exact duplicates.</summary>
    public int ExactDuplicates { get; }

    /// <summary>Rows dropped as near duplicates.</summary>
    public int NearDuplicates { get; }

    /// <summary>LSH bands used (0 for exact-only).</summary>
    public int Bands { get; }

    /// <summary>Signature rows per LSH band (0 for exact-only).</summary>
    public int RowsPerBand { get; }
}
