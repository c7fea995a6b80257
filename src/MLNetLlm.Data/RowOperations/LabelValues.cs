using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.RowOperations;

/// <summary>Reads a scalar label column of any common type as strings (class names) for grouping rows by class.</summary>
internal static class LabelValues
{
    public static DataViewSchema.Column RequireScalar(DataViewSchema schema, string column, string step)
    {
        var col = RowOperationColumns.Require(schema, column, step);
        if (col.Type is VectorDataViewType || !(col.Type is TextDataViewType or BooleanDataViewType or KeyDataViewType or NumberDataViewType))
            throw new ArgumentException($"{step}: label column '{column}' is {col.Type}; it must be a scalar text, boolean, key or number column.", nameof(schema));
        return col;
    }

    public static string[] Read(InMemoryDataView view, string column, string step)
    {
        var col = RequireScalar(view.Schema, column, step);
        var raw = col.Type.RawType;
        string[] Map<T>(Func<T, string> f) => view.GetColumn<T>(column).Select(f).ToArray();
        var inv = CultureInfo.InvariantCulture;
        if (raw == typeof(ReadOnlyMemory<char>)) return Map<ReadOnlyMemory<char>>(v => v.ToString());
        if (raw == typeof(bool)) return Map<bool>(v => v ? "true" : "false");
        if (raw == typeof(float)) return Map<float>(v => v.ToString("R", inv));
        if (raw == typeof(double)) return Map<double>(v => v.ToString("R", inv));
        if (raw == typeof(int)) return Map<int>(v => v.ToString(inv));
        if (raw == typeof(long)) return Map<long>(v => v.ToString(inv));
        if (raw == typeof(uint)) return Map<uint>(v => v.ToString(inv));
        if (raw == typeof(ulong)) return Map<ulong>(v => v.ToString(inv));
        if (raw == typeof(short)) return Map<short>(v => v.ToString(inv));
        if (raw == typeof(ushort)) return Map<ushort>(v => v.ToString(inv));
        if (raw == typeof(byte)) return Map<byte>(v => v.ToString(inv));
        if (raw == typeof(sbyte)) return Map<sbyte>(v => v.ToString(inv));
        throw new ArgumentException($"{step}: label column '{column}' has unsupported type {col.Type}.");
    }

    /// <summary>Row indices per class, classes in order of first appearance.</summary>
    public static List<(string Label, List<int> Rows)> Group(string[] labels)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = new List<(string, List<int>)>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (!index.TryGetValue(labels[i], out int g)) { index[labels[i]] = g = groups.Count; groups.Add((labels[i], new List<int>())); }
            groups[g].Item2.Add(i);
        }
        return groups;
    }
}
