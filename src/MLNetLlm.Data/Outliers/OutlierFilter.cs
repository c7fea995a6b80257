using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Outliers;

/// <summary>
/// Drops rows whose Z-score (|x − mean| / population standard deviation, over the data being filtered) exceeds the
/// threshold in any numeric column or in the length of any text column. NaN values are neither used in the statistics
/// nor dropped (use <see cref="MissingValues.MissingValueFilter"/> for them); a column with zero spread drops nothing.
/// A training-only row step; each dropped row is counted once, under the first column that flags it
/// (<c>outlier:Column</c> or <c>outlier:length(Column)</c>).
/// </summary>
public sealed class OutlierFilter : IRowOperation
{
    readonly OutlierOptions _options;
    readonly string[] _numeric, _text;

    /// <summary>Creates the step; <paramref name="options"/> null: defaults (text length of "Text", threshold 3).</summary>
    public OutlierFilter(OutlierOptions? options = null)
    {
        options ??= new OutlierOptions();
        options.Validate();
        _options = options;
        _numeric = (options.NumericColumns ?? []).ToArray();
        _text = (options.TextLengthColumns ?? []).ToArray();
    }

    /// <inheritdoc/>
    public string Name => "Outliers";

    /// <inheritdoc/>
    public void CheckSchema(DataViewSchema schema)
    {
        foreach (var c in _text) RowOperationColumns.RequireText(schema, c, Name);
        foreach (var c in _numeric)
        {
            var col = RowOperationColumns.Require(schema, c, Name);
            var raw = col.Type.RawType;
            if (col.Type is not NumberDataViewType || !(raw == typeof(float) || raw == typeof(double) || raw == typeof(int) || raw == typeof(long)))
                throw new ArgumentException($"{Name}: column '{c}' is {col.Type}; numeric outlier filtering needs a Single, Double, Int32 or Int64 column.", nameof(schema));
        }
    }

    /// <inheritdoc/>
    public RowOperationResult Apply(IDataView data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckSchema(data.Schema);
        var view = InMemoryDataView.Materialize(data);
        var checks = _numeric.Select(c => (Reason: $"outlier:{c}", Values: Numbers(view, c)))
            .Concat(_text.Select(c => (Reason: $"outlier:length({c})", Values: Lengths(view, c)))).ToArray();
        var flags = new List<(string Reason, bool[] Outlier)>();
        var details = new Dictionary<string, string> { ["threshold"] = _options.Threshold.ToString(CultureInfo.InvariantCulture) };
        foreach (var (reason, values) in checks)
        {
            var (mean, std) = MeanStd(values);
            details[reason] = string.Create(CultureInfo.InvariantCulture, $"mean {mean:G4} sd {std:G4}");
            flags.Add((reason, values.Select(v => std > 0 && !double.IsNaN(v) && Math.Abs(v - mean) / std > _options.Threshold).ToArray()));
        }
        var keep = new List<int>(view.RowCount);
        var dropped = new Dictionary<string, int>();
        for (int r = 0; r < view.RowCount; r++)
        {
            var hit = flags.FirstOrDefault(f => f.Outlier[r]);
            if (hit.Reason == null) keep.Add(r);
            else dropped[hit.Reason] = dropped.GetValueOrDefault(hit.Reason) + 1;
        }
        return new RowOperationResult(view.SelectRows(keep), new RowOperationReport(Name, view.RowCount, keep.Count, dropped: dropped, details: details));
    }

    static (double Mean, double Std) MeanStd(double[] values)
    {
        double sum = 0, sq = 0; int n = 0;
        foreach (var v in values) if (!double.IsNaN(v)) { sum += v; n++; }
        if (n == 0) return (0, 0);
        double mean = sum / n;
        foreach (var v in values) if (!double.IsNaN(v)) sq += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(sq / n));
    }

    static double[] Numbers(InMemoryDataView view, string column)
    {
        var raw = view.Schema[column].Type.RawType;
        if (raw == typeof(float)) return view.GetColumn<float>(column).Select(v => (double)v).ToArray();
        if (raw == typeof(double)) return view.GetColumn<double>(column);
        if (raw == typeof(int)) return view.GetColumn<int>(column).Select(v => (double)v).ToArray();
        return view.GetColumn<long>(column).Select(v => (double)v).ToArray();
    }

    double[] Lengths(InMemoryDataView view, string column) =>
        view.GetColumn<ReadOnlyMemory<char>>(column).Select(t => _options.LengthInWords ? (double)WordCount(t.Span) : t.Length).ToArray();

    static int WordCount(ReadOnlySpan<char> s)
    {
        int count = 0; bool inWord = false;
        foreach (char c in s)
        {
            bool ws = char.IsWhiteSpace(c);
            if (!ws && !inWord) count++;
            inWord = !ws;
        }
        return count;
    }
}
