using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Mapping;

/// <summary>One input row seen through an <see cref="AddedColumnsMapper"/> (what prediction engines read).</summary>
internal sealed class MappedRow(AddedColumnsMapper mapper, DataViewRow input, bool[] active, AddedValues? values) : DataViewRow
{
    public override DataViewSchema Schema => mapper.OutputSchema;
    public override long Position => input.Position;
    public override long Batch => input.Batch;
    public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => column.Index < active.Length && active[column.Index];
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => mapper.Getter<TValue>(input, values, active, column);

    protected override void Dispose(bool disposing)
    {
        if (disposing) values?.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>An input cursor seen through an <see cref="AddedColumnsMapper"/>.</summary>
internal sealed class MappedCursor(AddedColumnsMapper mapper, DataViewRowCursor input, bool[] active, AddedValues? values) : DataViewRowCursor
{
    public override DataViewSchema Schema => mapper.OutputSchema;
    public override long Position => input.Position;
    public override long Batch => input.Batch;
    public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => column.Index < active.Length && active[column.Index];
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => mapper.Getter<TValue>(input, values, active, column);

    public override bool MoveNext()
    {
        if (!input.MoveNext()) return false;
        values?.Moved();
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            values?.Dispose();
            input.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>A data view that adds a mapper's columns to its source, lazily.</summary>
internal sealed class MappedDataView(IDataView source, AddedColumnsMapper mapper) : IDataView
{
    public DataViewSchema Schema => mapper.OutputSchema;
    public bool CanShuffle => mapper.SupportsCursorSets && source.CanShuffle;
    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        var active = mapper.Active(needed);
        var input = source.GetRowCursor(mapper.GetDependencies(needed), CanShuffle ? rand : null);
        try
        {
            return new MappedCursor(mapper, input, active, mapper.AnyAdded(active) ? mapper.CreateCursorValues(input, active, source) : null);
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        if (!mapper.SupportsCursorSets) return [GetRowCursor(columnsNeeded, rand)];
        var needed = columnsNeeded.ToArray();
        var active = mapper.Active(needed);
        return source.GetRowCursorSet(mapper.GetDependencies(needed), n, rand)
            .Select(c => (DataViewRowCursor)new MappedCursor(mapper, c, active, mapper.AnyAdded(active) ? mapper.CreateCursorValues(c, active, source) : null))
            .ToArray();
    }
}
