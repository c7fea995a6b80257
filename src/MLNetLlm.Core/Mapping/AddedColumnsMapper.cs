using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Mapping;

/// <summary>
/// The plumbing every custom row-to-row transformer shares: the output schema is the input schema plus the added
/// columns (a same-named input column becoming hidden), each added column reads a known set of input columns, and
/// the same values serve a <c>PredictionEngine</c> (<see cref="GetRow"/>) and a lazy data view (<see cref="Transform"/>).
/// Subclasses say how the added values are computed (<see cref="CreateRowValues"/>, and optionally a batched
/// <see cref="CreateCursorValues"/> for whole views).
/// </summary>
internal abstract class AddedColumnsMapper : IRowToRowMapper
{
    readonly int[][] _sources;

    /// <param name="inputSchema">The schema the mapper reads.</param>
    /// <param name="added">The added columns (names, types, annotations), in output order.</param>
    /// <param name="sources">For each added column, the input column indices it reads.</param>
    protected AddedColumnsMapper(DataViewSchema inputSchema, DataViewSchema added, IReadOnlyList<int[]> sources)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (sources.Count != added.Count) throw new ArgumentException($"{added.Count} added columns but {sources.Count} source lists.", nameof(sources));
        InputSchema = inputSchema;
        _sources = sources.ToArray();
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        foreach (var c in added) builder.AddColumn(c.Name, c.Type, c.Annotations);
        OutputSchema = builder.ToSchema();
    }

    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }

    /// <summary>Whether a data view may split its work over several cursors (false when values come from a read-ahead cursor).</summary>
    public virtual bool SupportsCursorSets => true;

    /// <summary>Values of the active added columns for a single row (used by prediction engines).</summary>
    /// <param name="input">The input row.</param>
    /// <param name="active">Output-schema indices requested; at least one added column is active.</param>
    protected internal abstract AddedValues CreateRowValues(DataViewRow input, bool[] active);

    /// <summary>Values of the active added columns for a cursor over <paramref name="source"/>; by default row by row.</summary>
    protected internal virtual AddedValues CreateCursorValues(DataViewRowCursor input, bool[] active, IDataView source) => CreateRowValues(input, active);

    /// <summary>Whether output column <paramref name="index"/> is one of the added columns.</summary>
    public bool IsAdded(int index) => index >= InputSchema.Count;

    /// <summary>The input columns needed to produce <paramref name="dependingColumns"/> (output schema columns).</summary>
    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = new bool[InputSchema.Count];
        foreach (var c in dependingColumns)
        {
            if (c.Index < InputSchema.Count) needed[c.Index] = true;
            else foreach (int i in _sources[c.Index - InputSchema.Count]) needed[i] = true;
        }
        for (int i = 0; i < needed.Length; i++) if (needed[i]) yield return InputSchema[i];
    }

    /// <summary>Which output columns are active, from the set requested.</summary>
    public bool[] Active(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var active = new bool[OutputSchema.Count];
        foreach (var c in outputColumns) active[c.Index] = true;
        return active;
    }

    /// <summary>Whether any added column is among <paramref name="active"/>.</summary>
    public bool AnyAdded(bool[] active)
    {
        for (int i = InputSchema.Count; i < active.Length; i++) if (active[i]) return true;
        return false;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        var active = Active(activeColumns);
        return new MappedRow(this, input, active, AnyAdded(active) ? CreateRowValues(input, active) : null);
    }

    /// <summary>A lazy view of <paramref name="input"/> with the added columns.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new MappedDataView(input, this);
    }

    /// <summary>The getter of output column <paramref name="column"/> over <paramref name="input"/>, with a clear error for a wrong type or an inactive column.</summary>
    internal ValueGetter<T> Getter<T>(DataViewRow input, AddedValues? values, bool[] active, DataViewSchema.Column column)
    {
        if (column.Index >= active.Length || !active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' was not requested from this row.");
        if (column.Index < InputSchema.Count) return input.GetGetter<T>(InputSchema[column.Index]);
        var getter = values!.Getter(column.Index - InputSchema.Count);
        return getter as ValueGetter<T>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type} ({column.Type.RawType.Name}), not {typeof(T).Name}.");
    }
}
