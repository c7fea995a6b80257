using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Mapping;
using MLNetLlm.Persistence;

namespace MLNetLlm.Data.MissingValues;

/// <summary>
/// Replaces missing values (blank text, NaN numbers) with the values chosen when fitting: a text placeholder or the
/// training mean/median/constant. Applies at training and prediction time alike; saved by <c>mlContext.Llm().Model.Save</c>.
/// </summary>
public sealed class MissingValueFillTransformer : IPersistentTransformer
{
    const string FileName = "missing-value-fill.json";

    /// <summary>One fitted column: the value that replaces a missing one.</summary>
    /// <param name="OutputColumn">The column written.</param>
    /// <param name="InputColumn">The column read.</param>
    /// <param name="Kind">"text", "single" or "double".</param>
    /// <param name="Text">The replacement text (text columns).</param>
    /// <param name="Number">The replacement number (Single/Double columns).</param>
    public sealed record FittedColumn(string OutputColumn, string InputColumn, string Kind, string? Text, double Number);

    readonly ColumnMappingSet _mappings;

    internal MissingValueFillTransformer(IReadOnlyList<FittedColumn> columns)
    {
        Columns = columns.ToArray();
        _mappings = new ColumnMappingSet(Columns.Select(Mapping).ToArray());
    }

    /// <summary>The fitted columns and their fill values.</summary>
    public IReadOnlyList<FittedColumn> Columns { get; }

    static ColumnMapping Mapping(FittedColumn c) => c.Kind switch
    {
        "text" => new TextMapping("FillMissing", c.OutputColumn, c.InputColumn, s => string.IsNullOrWhiteSpace(s) ? c.Text ?? "" : s),
        "single" => new ScalarMapping<float>("FillMissing", c.OutputColumn, c.InputColumn, NumberDataViewType.Single, v => float.IsNaN(v) ? (float)c.Number : v),
        "double" => new ScalarMapping<double>("FillMissing", c.OutputColumn, c.InputColumn, NumberDataViewType.Double, v => double.IsNaN(v) ? c.Number : v),
        _ => throw new InvalidDataException($"FillMissing: unknown column kind '{c.Kind}'."),
    };

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _mappings.OutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _mappings.RowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _mappings.Transform(input);

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("MissingValueFillTransformer is saved with mlContext.Llm().Model.Save(model, schema, path), not mlContext.Model.Save.");

    /// <inheritdoc/>
    public void SaveTo(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(Columns, new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>Loads a transformer written by <see cref="SaveTo"/>.</summary>
    public static ITransformer LoadFrom(MLContext mlContext, string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"FillMissing stage: '{FileName}' is missing from the model file.", path);
        List<FittedColumn>? columns;
        try { columns = JsonSerializer.Deserialize<List<FittedColumn>>(File.ReadAllText(path)); }
        catch (JsonException ex) { throw new InvalidDataException($"FillMissing stage: '{FileName}' is not valid: {ex.Message}", ex); }
        if (columns is not { Count: > 0 }) throw new InvalidDataException($"FillMissing stage: '{FileName}' has no columns.");
        return new MissingValueFillTransformer(columns);
    }
}
