using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Data.Mapping;

/// <summary>Getters for the output columns of <see cref="ColumnBindings"/> over one input row or cursor.</summary>
internal sealed class MappedGetters(ColumnBindings bindings, DataViewRow input, bool[] active)
{
    readonly Delegate?[] _getters = new Delegate?[bindings.Mappings.Count];

    public bool IsActive(DataViewSchema.Column column) => active[column.Index];

    public ValueGetter<T> Get<T>(DataViewSchema.Column column)
    {
        int n = bindings.InputSchema.Count;
        if (!active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' was not requested from this row.");
        if (column.Index < n) return input.GetGetter<T>(bindings.InputSchema[column.Index]);
        int m = column.Index - n;
        var getter = _getters[m] ??= bindings.Mappings[m].MakeGetter(input, bindings.InputColumns[m]);
        return getter as ValueGetter<T>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type.RawType.Name}, not {typeof(T).Name}.");
    }
}

/// <summary>One input row seen through <see cref="ColumnBindings"/> (used by prediction engines).</summary>
internal sealed class MappedRow(ColumnBindings bindings, DataViewRow input, bool[] active) : DataViewRow
{
    readonly MappedGetters _getters = new(bindings, input, active);

    public override DataViewSchema Schema => bindings.OutputSchema;
    public override long Position => input.Position;
    public override long Batch => input.Batch;
    public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => _getters.IsActive(column);
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _getters.Get<TValue>(column);
}

/// <summary>An input cursor seen through <see cref="ColumnBindings"/>.</summary>
internal sealed class MappedCursor(ColumnBindings bindings, DataViewRowCursor input, bool[] active) : DataViewRowCursor
{
    readonly MappedGetters _getters = new(bindings, input, active);

    public override DataViewSchema Schema => bindings.OutputSchema;
    public override long Position => input.Position;
    public override long Batch => input.Batch;
    public override bool MoveNext() => input.MoveNext();
    public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => _getters.IsActive(column);
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _getters.Get<TValue>(column);

    protected override void Dispose(bool disposing)
    {
        if (disposing) input.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A data view that adds the mapped columns to its source, lazily, row by row.</summary>
internal sealed class MappedDataView(IDataView source, ColumnBindings bindings) : IDataView
{
    public DataViewSchema Schema => bindings.OutputSchema;
    public bool CanShuffle => source.CanShuffle;
    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        return new MappedCursor(bindings, source.GetRowCursor(bindings.Dependencies(needed), rand), bindings.Active(needed));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        var active = bindings.Active(needed);
        return source.GetRowCursorSet(bindings.Dependencies(needed), n, rand)
            .Select(c => (DataViewRowCursor)new MappedCursor(bindings, c, active)).ToArray();
    }
}

/// <summary>The <see cref="IRowToRowMapper"/> of a column-mapping transformer.</summary>
internal sealed class MappedRowToRowMapper(ColumnBindings bindings) : IRowToRowMapper
{
    public DataViewSchema InputSchema => bindings.InputSchema;
    public DataViewSchema OutputSchema => bindings.OutputSchema;
    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) => bindings.Dependencies(dependingColumns);
    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) => new MappedRow(bindings, input, bindings.Active(activeColumns));
}
