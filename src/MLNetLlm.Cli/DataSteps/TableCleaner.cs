using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.DataSteps;

/// <summary>
/// <c>clean</c> on a whole file: normalizes the text columns (MLNetLlm.Data's <see cref="TextNormalizer"/>), drops rows
/// whose text is empty after normalization, and drops exact / near duplicates of the first text column
/// (<see cref="Deduplicator"/>, first occurrence kept). Every other column is kept as it is.
/// </summary>
internal sealed class TableCleaner
{
    public required IReadOnlyList<string> TextColumns { get; init; }

    /// <summary>How text is normalized; null keeps the text as it is (deduplication still runs).</summary>
    public TextNormalizerOptions? Normalization { get; init; } = new();

    /// <summary>Duplicate detection; null keeps duplicates.</summary>
    public DeduplicationOptions? Deduplication { get; init; } = new();

    /// <summary>Drop rows whose text columns are all empty after normalization. Default true.</summary>
    public bool DropEmpty { get; init; } = true;

    /// <summary>What happened to the rows.</summary>
    internal sealed record Report(int RowsIn, int Empty, int ExactDuplicates, int NearDuplicates, int RowsOut);

    public (List<string[]> Rows, Report Report) Clean(DelimitedTable table)
    {
        if (table.Rows.Count == 0) throw new DataFileException(table.Source, $"'{table.Source}' has a header but no data rows.");
        var idx = TextColumns.Select(table.ColumnIndex).ToArray();
        var rows = table.Rows.Select(r => (string[])r.Clone()).ToList();
        if (Normalization != null)
            foreach (var row in rows)
                foreach (int i in idx)
                    row[i] = TextNormalizer.Normalize(row[i], Normalization);

        int empty = 0;
        if (DropEmpty)
        {
            int before = rows.Count;
            rows = rows.Where(r => idx.Any(i => !string.IsNullOrWhiteSpace(r[i]))).ToList();
            empty = before - rows.Count;
        }

        int exact = 0, near = 0;
        if (Deduplication != null && rows.Count > 1)
        {
            var options = Deduplication.Clone();
            if (Normalization != null) options.Normalization = null; // the text is normalized already
            var result = new Deduplicator(options).FindDuplicates(rows.Select(r => (string?)string.Join("\n", idx.Select(i => r[i]))).ToList());
            exact = result.ExactDuplicates;
            near = result.NearDuplicates;
            rows = result.KeptRows.Select(i => rows[i]).ToList();
        }
        if (rows.Count == 0) throw new CliException($"Cleaning '{table.Source}' left no rows (all {table.Rows.Count} were empty or duplicates).");
        return (rows, new Report(table.Rows.Count, empty, exact, near, rows.Count));
    }
}
