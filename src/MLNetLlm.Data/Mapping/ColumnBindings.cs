using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Mapping;

namespace MLNetLlm.Data.Mapping;

/// <summary>
/// An input schema bound to a set of <see cref="ColumnMapping"/>s: one added column per mapping (a same-named input
/// column becoming hidden), each read from its one input column, row by row (the plumbing is MLNetLlm.Core's
/// <see cref="AddedColumnsMapper"/>).
/// </summary>
internal sealed class ColumnBindings : AddedColumnsMapper
{
    readonly IReadOnlyList<ColumnMapping> _mappings;
    readonly DataViewSchema.Column[] _inputColumns;

    public ColumnBindings(DataViewSchema inputSchema, IReadOnlyList<ColumnMapping> mappings)
        : this(inputSchema, mappings, Resolve(inputSchema, mappings)) { }

    ColumnBindings(DataViewSchema inputSchema, IReadOnlyList<ColumnMapping> mappings, DataViewSchema.Column[] inputColumns)
        : base(inputSchema, Added(mappings), inputColumns.Select(c => new[] { c.Index }).ToArray())
    {
        _mappings = mappings;
        _inputColumns = inputColumns;
    }

    static DataViewSchema.Column[] Resolve(DataViewSchema inputSchema, IReadOnlyList<ColumnMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return mappings.Select(m =>
        {
            var column = inputSchema.GetColumnOrNull(m.InputName)
                ?? throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"{m.StepName}: input column '{m.InputName}' not found. The data has: {string.Join(", ", inputSchema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}' ({c.Type})"))}.");
            m.CheckInput(column);
            return column;
        }).ToArray();
    }

    static DataViewSchema Added(IReadOnlyList<ColumnMapping> mappings)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var m in mappings) builder.AddColumn(m.OutputName, m.OutputType);
        return builder.ToSchema();
    }

    protected internal override AddedValues CreateRowValues(DataViewRow input, bool[] active) =>
        new LazyAddedValues(_mappings.Count, m => _mappings[m].MakeGetter(input, _inputColumns[m]));
}

/// <summary>The ITransformer plumbing shared by MLNetLlm's 1:1 column transformers: schema, row mapper, lazy data view.</summary>
internal sealed class ColumnMappingSet(IReadOnlyList<ColumnMapping> mappings)
{
    public DataViewSchema OutputSchema(DataViewSchema inputSchema) => new ColumnBindings(inputSchema, mappings).OutputSchema;

    public IRowToRowMapper RowToRowMapper(DataViewSchema inputSchema) => new ColumnBindings(inputSchema, mappings);

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ColumnBindings(input.Schema, mappings).Transform(input);
    }
}
