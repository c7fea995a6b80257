using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Mapping;
using MLNetLlm.Persistence;

namespace MLNetLlm.Data.Cleaning;

/// <summary>
/// Applies <see cref="TextNormalizer.Normalize"/> to text columns, one output column per input column, row by row.
/// Works in any ML.NET chain and in prediction engines, and is saved by <c>mlContext.Llm().Model.Save</c>.
/// </summary>
public sealed class TextNormalizerTransformer : IPersistentTransformer
{
    const string FileName = "text-normalizer.json";
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    readonly ColumnMappingSet _mappings;

    internal TextNormalizerTransformer(IReadOnlyList<(string OutputColumnName, string InputColumnName)> columns, TextNormalizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(options);
        if (columns.Count == 0) throw new ArgumentException("NormalizeText needs at least one column.", nameof(columns));
        options.Validate();
        Options = options.Clone();
        Columns = columns.ToArray();
        var frozen = Options;
        _mappings = new ColumnMappingSet(Columns.Select(c =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(c.OutputColumnName, "outputColumnName");
            ArgumentException.ThrowIfNullOrWhiteSpace(c.InputColumnName, "inputColumnName");
            return (ColumnMapping)new TextMapping("NormalizeText", c.OutputColumnName, c.InputColumnName, s => TextNormalizer.Normalize(s, frozen));
        }).ToArray());
    }

    /// <summary>The (output, input) column pairs.</summary>
    public IReadOnlyList<(string OutputColumnName, string InputColumnName)> Columns { get; }

    /// <summary>A copy of the options in use (changing it does not change this transformer).</summary>
    public TextNormalizerOptions Options { get => field.Clone(); private init; }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _mappings.OutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _mappings.RowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _mappings.Transform(input);

    /// <summary>Not supported: ML.NET's own format cannot hold this transformer. Use <c>mlContext.Llm().Model.Save</c>.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("TextNormalizerTransformer is saved with mlContext.Llm().Model.Save(model, schema, path), not mlContext.Model.Save.");

    /// <inheritdoc/>
    public void SaveTo(string directory)
    {
        var state = new State
        {
            Columns = Columns.Select(c => new ColumnPair { Output = c.OutputColumnName, Input = c.InputColumnName }).ToList(),
            Options = Options,
        };
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(state, Json));
    }

    /// <summary>Loads a transformer written by <see cref="SaveTo"/> (called by <c>mlContext.Llm().Model.Load</c>).</summary>
    public static ITransformer LoadFrom(MLContext mlContext, string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"NormalizeText stage: '{FileName}' is missing from the model file.", path);
        State? state;
        try { state = JsonSerializer.Deserialize<State>(File.ReadAllText(path), Json); }
        catch (JsonException ex) { throw new InvalidDataException($"NormalizeText stage: '{FileName}' is not valid: {ex.Message}", ex); }
        if (state?.Columns is not { Count: > 0 } || state.Options == null)
            throw new InvalidDataException($"NormalizeText stage: '{FileName}' has no columns or no options.");
        return new TextNormalizerTransformer(state.Columns.Select(c => (c.Output, c.Input)).ToList(), state.Options);
    }

    sealed class State
    {
        public List<ColumnPair> Columns { get; set; } = [];
        public TextNormalizerOptions? Options { get; set; }
    }

    sealed class ColumnPair
    {
        public string Output { get; set; } = "";
        public string Input { get; set; } = "";
    }
}
