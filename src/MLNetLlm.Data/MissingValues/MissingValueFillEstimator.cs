using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Mapping;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.MissingValues;

/// <summary>
/// Learns fill values (text placeholder, or the mean/median/constant of a Single/Double column, NaN ignored) and
/// produces a <see cref="MissingValueFillTransformer"/>. A 1:1 step: no row is added or removed.
/// </summary>
public sealed class MissingValueFillEstimator : IEstimator<MissingValueFillTransformer>
{
    readonly MissingValueFillOptions[] _columns;

    /// <summary>One entry per column to repair.</summary>
    public MissingValueFillEstimator(params MissingValueFillOptions[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0) throw new ArgumentException("FillMissing needs at least one column.", nameof(columns));
        _columns = columns.Select(c => new MissingValueFillOptions { InputColumn = c.InputColumn, OutputColumn = c.OutputColumn, Fill = c.Fill, Placeholder = c.Placeholder, Constant = c.Constant }).ToArray();
    }

    /// <inheritdoc/>
    public MissingValueFillTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var fitted = new List<MissingValueFillTransformer.FittedColumn>();
        foreach (var c in _columns)
        {
            string output = c.OutputColumn ?? c.InputColumn;
            var col = input.Schema.GetColumnOrNull(c.InputColumn)
                ?? throw new ArgumentOutOfRangeException(nameof(input), $"FillMissing: input column '{c.InputColumn}' not found. The data has: {string.Join(", ", input.Schema.Where(x => !x.IsHidden).Select(x => $"'{x.Name}'"))}.");
            if (col.Type is TextDataViewType)
            {
                if (c.Fill is not (MissingValueFill.Empty or MissingValueFill.Placeholder))
                    throw new ArgumentException($"FillMissing: column '{c.InputColumn}' is text; use Fill = Empty or Placeholder, not {c.Fill}.");
                fitted.Add(new(output, c.InputColumn, "text", c.Fill == MissingValueFill.Empty ? "" : c.Placeholder ?? "", 0));
                continue;
            }
            if (col.Type is not NumberDataViewType || (col.Type.RawType != typeof(float) && col.Type.RawType != typeof(double)))
                throw new ArgumentException($"FillMissing: column '{c.InputColumn}' is {col.Type}; only text, Single and Double columns can have missing values.");
            if (c.Fill is not (MissingValueFill.Mean or MissingValueFill.Median or MissingValueFill.Constant))
                throw new ArgumentException($"FillMissing: column '{c.InputColumn}' is numeric; use Fill = Mean, Median or Constant, not {c.Fill}.");
            double value = c.Fill == MissingValueFill.Constant ? c.Constant : Statistic(input, col, c.Fill);
            fitted.Add(new(output, c.InputColumn, col.Type.RawType == typeof(float) ? "single" : "double", null, value));
        }
        var transformer = new MissingValueFillTransformer(fitted);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    static double Statistic(IDataView input, DataViewSchema.Column col, MissingValueFill fill)
    {
        var values = new List<double>();
        using (var cursor = input.GetRowCursor([col]))
        {
            if (col.Type.RawType == typeof(float))
            {
                var get = cursor.GetGetter<float>(col); float v = 0;
                while (cursor.MoveNext()) { get(ref v); if (!float.IsNaN(v)) values.Add(v); }
            }
            else
            {
                var get = cursor.GetGetter<double>(col); double v = 0;
                while (cursor.MoveNext()) { get(ref v); if (!double.IsNaN(v)) values.Add(v); }
            }
        }
        if (values.Count == 0) throw new InvalidOperationException($"FillMissing: column '{col.Name}' has no non-missing value to compute a {fill} from.");
        if (fill == MissingValueFill.Mean) return values.Average();
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var shape = inputSchema;
        foreach (var c in _columns)
        {
            SchemaShapes.Require(inputSchema, c.InputColumn, "FillMissing");
            shape = SchemaShapes.WithCopy(shape, c.OutputColumn ?? c.InputColumn, c.InputColumn);
        }
        return shape;
    }
}
