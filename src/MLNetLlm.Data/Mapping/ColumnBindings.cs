using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Data.Mapping;

/// <summary>
/// An input schema bound to a set of <see cref="ColumnMapping"/>s: the output schema (all input columns, then one
/// column per mapping, a same-named input column becoming hidden), and which input columns an output needs.
/// </summary>
internal sealed class ColumnBindings
{
    public ColumnBindings(DataViewSchema inputSchema, IReadOnlyList<ColumnMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputSchema = inputSchema;
        Mappings = mappings;
        InputColumns = new DataViewSchema.Column[mappings.Count];
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        for (int i = 0; i < mappings.Count; i++)
        {
            var m = mappings[i];
            var column = inputSchema.GetColumnOrNull(m.InputName)
                ?? throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"{m.StepName}: input column '{m.InputName}' not found. The data has: {string.Join(", ", inputSchema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}' ({c.Type})"))}.");
            m.CheckInput(column);
            InputColumns[i] = column;
            builder.AddColumn(m.OutputName, m.OutputType);
        }
        OutputSchema = builder.ToSchema();
    }

    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }
    public IReadOnlyList<ColumnMapping> Mappings { get; }
    public DataViewSchema.Column[] InputColumns { get; }

    /// <summary>The input columns needed to produce <paramref name="outputColumns"/>.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new bool[InputSchema.Count];
        foreach (var c in outputColumns)
        {
            if (c.Index < InputSchema.Count) needed[c.Index] = true;
            else needed[InputColumns[c.Index - InputSchema.Count].Index] = true;
        }
        for (int i = 0; i < needed.Length; i++) if (needed[i]) yield return InputSchema[i];
    }

    /// <summary>Whether each output column is active, from the set requested.</summary>
    public bool[] Active(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var active = new bool[OutputSchema.Count];
        foreach (var c in outputColumns) active[c.Index] = true;
        return active;
    }
}

/// <summary>The ITransformer plumbing shared by MLNetLlm's 1:1 column transformers: schema, row mapper, lazy data view.</summary>
internal sealed class ColumnMappingSet(IReadOnlyList<ColumnMapping> mappings)
{
    public DataViewSchema OutputSchema(DataViewSchema inputSchema) => new ColumnBindings(inputSchema, mappings).OutputSchema;

    public IRowToRowMapper RowToRowMapper(DataViewSchema inputSchema) => new MappedRowToRowMapper(new ColumnBindings(inputSchema, mappings));

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new MappedDataView(input, new ColumnBindings(input.Schema, mappings));
    }
}
