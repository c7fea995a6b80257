using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.DataViews;

namespace MLNetLlm.IO;

/// <summary>A delimited file read into memory: its header, its rows of strings and the line each row starts on.</summary>
public sealed class DelimitedTable
{
    internal DelimitedTable(string source, string[] header, List<string[]> rows, List<int> lines)
    {
        Source = source;
        Header = header;
        Rows = rows;
        Lines = lines;
    }

    /// <summary>The file (or source name) the table was read from.</summary>
    public string Source { get; }

    /// <summary>The column names, in file order.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The data rows; each has one field per header column.</summary>
    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>The 1-based line each data row starts on (rows may span lines when fields hold line breaks).</summary>
    public IReadOnlyList<int> Lines { get; }

    /// <summary>The index of a column; throws a <see cref="DataFileException"/> naming the columns there are.</summary>
    public int ColumnIndex(string name)
    {
        int i = Array.IndexOf((string[])Header, name);
        if (i < 0)
        {
            var near = Header.FirstOrDefault(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
            throw new DataFileException(Source,
                $"Column '{name}' not found in '{Source}'. Its columns are: {string.Join(", ", Header)}." +
                (near != null ? $" Did you mean '{near}'?" : ""), column: name);
        }
        return i;
    }

    /// <summary>All values of one column.</summary>
    public string[] Column(string name)
    {
        int i = ColumnIndex(name);
        return Rows.Select(r => r[i]).ToArray();
    }

    /// <summary>
    /// Converts the named columns to an ML.NET data view. Supported types: text, <see cref="NumberDataViewType.Single"/>,
    /// <see cref="NumberDataViewType.Double"/>, <see cref="BooleanDataViewType"/>. A value that does not convert is an
    /// error naming its line and column; an empty numeric field becomes NaN (a missing value ML.NET understands).
    /// </summary>
    public InMemoryDataView ToDataView(params (string Name, DataViewType Type)[] columns)
    {
        if (Rows.Count == 0) throw new DataFileException(Source, $"Data file '{Source}' has a header but no data rows.");
        if (columns.Length == 0) columns = Header.Select(h => (h, (DataViewType)TextDataViewType.Instance)).ToArray();
        var built = new List<(string, DataViewType, Array)>();
        foreach (var (name, type) in columns)
        {
            int c = ColumnIndex(name);
            built.Add((name, type, Convert(c, name, type)));
        }
        return InMemoryDataView.FromColumns(built.ToArray());
    }

    Array Convert(int c, string name, DataViewType type)
    {
        int n = Rows.Count;
        if (type is TextDataViewType)
            return Rows.Select(r => r[c].AsMemory()).ToArray();
        if (type is BooleanDataViewType)
        {
            var v = new bool[n];
            for (int r = 0; r < n; r++)
                if (!DelimitedFile.TryParseBool(Rows[r][c], out v[r]))
                    throw Bad(r, name, $"'{Clip(Rows[r][c])}' is not a boolean (true/false, 1/0, yes/no)");
            return v;
        }
        if (type == NumberDataViewType.Single || type == NumberDataViewType.Double)
        {
            var v = new float[n];
            for (int r = 0; r < n; r++)
            {
                string s = Rows[r][c];
                if (string.IsNullOrWhiteSpace(s)) { v[r] = float.NaN; continue; }
                if (!DelimitedFile.TryParseFloat(s, out v[r])) throw Bad(r, name, $"'{Clip(s)}' is not a number");
            }
            return type == NumberDataViewType.Single ? v : v.Select(x => (double)x).ToArray();
        }
        throw new ArgumentException($"Column '{name}': type {type} is not supported by DelimitedTable (text, Single, Double, Boolean).");
    }

    DataFileException Bad(int row, string column, string what) =>
        new(Source, $"'{Source}' line {Lines[row]} (data row {row + 1}), column '{column}': {what}.", Lines[row], column);

    static string Clip(string s) => s.Length <= 40 ? s : s[..37] + "...";
}
