using System.Text;

namespace MLNetLlm.Data.RowOperations;

/// <summary>
/// What one row-changing step did: rows in, rows out, rows dropped per reason and rows added per reason. The counts
/// always balance (<c>RowsOut == RowsIn − ΣDropped + ΣAdded</c>; checked on construction), so no row is lost silently.
/// </summary>
public sealed class RowOperationReport
{
    /// <summary>Creates a report; throws <see cref="InvalidOperationException"/> when the counts do not balance.</summary>
    public RowOperationReport(string operation, int rowsIn, int rowsOut,
        IReadOnlyDictionary<string, int>? dropped = null, IReadOnlyDictionary<string, int>? added = null,
        IReadOnlyDictionary<string, string>? details = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operation);
        Operation = operation;
        RowsIn = rowsIn;
        RowsOut = rowsOut;
        Dropped = Positive(dropped);
        Added = Positive(added);
        Details = details ?? new Dictionary<string, string>();
        long expected = (long)rowsIn - Dropped.Values.Sum(v => (long)v) + Added.Values.Sum(v => (long)v);
        if (rowsIn < 0 || rowsOut < 0 || expected != rowsOut)
            throw new InvalidOperationException($"{operation}: row counts do not balance ({rowsIn} in − {Dropped.Values.Sum()} dropped + {Added.Values.Sum()} added ≠ {rowsOut} out).");
    }

    /// <summary>The step's name.</summary>
    public string Operation { get; }

    /// <summary>Rows before the step.</summary>
    public int RowsIn { get; }

    /// <summary>Rows after the step.</summary>
    public int RowsOut { get; }

    /// <summary>Rows removed, per reason (e.g. "exact-duplicate", "near-duplicate", "missing:Text", "outlier:Length").</summary>
    public IReadOnlyDictionary<string, int> Dropped { get; }

    /// <summary>Rows created, per reason (e.g. "oversampled:spam", "augmented", "smote:ham", "chunks").</summary>
    public IReadOnlyDictionary<string, int> Added { get; }

    /// <summary>Free-form facts for logs (thresholds used, class counts before/after, …).</summary>
    public IReadOnlyDictionary<string, string> Details { get; }

    /// <summary>Total rows dropped.</summary>
    public int TotalDropped => Dropped.Values.Sum();

    /// <summary>Total rows added.</summary>
    public int TotalAdded => Added.Values.Sum();

    /// <summary>One line, e.g. <c>Deduplicate: 6046 in, 5410 out; dropped exact-duplicate=590, near-duplicate=46</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder($"{Operation}: {RowsIn} in, {RowsOut} out");
        if (Dropped.Count > 0) sb.Append("; dropped ").AppendJoin(", ", Dropped.Select(kv => $"{kv.Key}={kv.Value}"));
        if (Added.Count > 0) sb.Append("; added ").AppendJoin(", ", Added.Select(kv => $"{kv.Key}={kv.Value}"));
        if (Details.Count > 0) sb.Append(" (").AppendJoin(", ", Details.Select(kv => $"{kv.Key}: {kv.Value}")).Append(')');
        return sb.ToString();
    }

    static IReadOnlyDictionary<string, int> Positive(IReadOnlyDictionary<string, int>? counts)
    {
        var result = new SortedDictionary<string, int>(StringComparer.Ordinal);
        if (counts == null) return result;
        foreach (var (k, v) in counts)
        {
            if (v < 0) throw new ArgumentOutOfRangeException(nameof(counts), $"Count for '{k}' is negative ({v}).");
            if (v > 0) result[k] = v;
        }
        return result;
    }
}
