using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// The training rows of a low-fidelity trial: a seeded share of the rows, stratified by the label when it is a class
/// (key, Boolean or text; every class keeps at least one row), in the original order.
/// </summary>
internal static class RowSubsample
{
    public static InMemoryDataView Take(InMemoryDataView data, double fraction, string? labelColumn, int seed)
    {
        if (fraction >= 1) return data;
        var rnd = new Random(seed);
        var groups = Groups(data, labelColumn);
        var keep = new List<int>();
        foreach (var g in groups)
        {
            var rows = g.ToArray();
            rnd.Shuffle(rows);
            int n = Math.Max(1, (int)Math.Round(rows.Length * fraction));
            keep.AddRange(rows.Take(n));
        }
        keep.Sort();
        return data.SelectRows(keep);
    }

    static IEnumerable<IEnumerable<int>> Groups(InMemoryDataView data, string? labelColumn)
    {
        var all = Enumerable.Range(0, data.RowCount);
        var col = labelColumn is null ? null : data.Schema.GetColumnOrNull(labelColumn);
        if (col is null) return [all];
        object[]? keys = col.Value.Type switch
        {
            KeyDataViewType => data.GetColumn<uint>(labelColumn!).Cast<object>().ToArray(),
            BooleanDataViewType => data.GetColumn<bool>(labelColumn!).Cast<object>().ToArray(),
            TextDataViewType => data.GetColumn<ReadOnlyMemory<char>>(labelColumn!).Select(m => (object)m.ToString()).ToArray(),
            _ => null,
        };
        if (keys is null) return [all];
        return all.GroupBy(i => keys[i]).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal).Select(g => (IEnumerable<int>)g);
    }
}
