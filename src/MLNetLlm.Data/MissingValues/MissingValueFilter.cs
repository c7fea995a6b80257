using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.MissingValues;

/// <summary>
/// Drops rows with a missing value in any of the given columns: text that is null, empty or only white space;
/// Single/Double that is NaN; a Single/Double vector with a NaN element. Other types are never missing. A training-only
/// row step; the report counts each dropped row once, under the first listed column that is missing
/// (<c>missing:Column</c>). To repair values instead (also at prediction time), use <see cref="MissingValueFillEstimator"/>.
/// </summary>
public sealed class MissingValueFilter : IRowOperation
{
    readonly string[] _columns;

    /// <summary>Drops rows missing a value in any of <paramref name="columns"/>.</summary>
    public MissingValueFilter(params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0 || columns.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("DropMissing needs one or more column names.", nameof(columns));
        _columns = columns.ToArray();
    }

    /// <summary>The columns checked.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <inheritdoc/>
    public string Name => "DropMissing";

    /// <inheritdoc/>
    public void CheckSchema(DataViewSchema schema)
    {
        foreach (var c in _columns) RowOperationColumns.Require(schema, c, Name);
    }

    /// <inheritdoc/>
    public RowOperationResult Apply(IDataView data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckSchema(data.Schema);
        var view = InMemoryDataView.Materialize(data);
        var missing = _columns.Select(c => MissingMask(view, c)).ToArray();
        var keep = new List<int>(view.RowCount);
        var dropped = new Dictionary<string, int>();
        for (int r = 0; r < view.RowCount; r++)
        {
            int first = Array.FindIndex(missing, m => m != null && m[r]);
            if (first < 0) keep.Add(r);
            else dropped[$"missing:{_columns[first]}"] = dropped.GetValueOrDefault($"missing:{_columns[first]}") + 1;
        }
        return new RowOperationResult(view.SelectRows(keep), new RowOperationReport(Name, view.RowCount, keep.Count, dropped: dropped));
    }

    /// <summary>Per row, whether <paramref name="column"/> is missing; null when the type cannot be missing.</summary>
    internal static bool[]? MissingMask(InMemoryDataView view, string column)
    {
        var raw = view.Schema[column].Type.RawType;
        if (raw == typeof(ReadOnlyMemory<char>)) return view.GetColumn<ReadOnlyMemory<char>>(column).Select(v => v.Span.IsWhiteSpace()).ToArray();
        if (raw == typeof(float)) return view.GetColumn<float>(column).Select(float.IsNaN).ToArray();
        if (raw == typeof(double)) return view.GetColumn<double>(column).Select(double.IsNaN).ToArray();
        if (raw == typeof(VBuffer<float>)) return view.GetColumn<VBuffer<float>>(column).Select(v => HasNaN(v.GetValues())).ToArray();
        if (raw == typeof(VBuffer<double>)) return view.GetColumn<VBuffer<double>>(column).Select(v => HasNaN(v.GetValues())).ToArray();
        return null;
    }

    static bool HasNaN(ReadOnlySpan<float> values) { foreach (var v in values) if (float.IsNaN(v)) return true; return false; }
    static bool HasNaN(ReadOnlySpan<double> values) { foreach (var v in values) if (double.IsNaN(v)) return true; return false; }
}
