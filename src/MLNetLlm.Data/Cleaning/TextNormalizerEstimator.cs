using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Mapping;

namespace MLNetLlm.Data.Cleaning;

/// <summary>
/// Estimator for <see cref="TextNormalizerTransformer"/>: normalizes text columns with <see cref="TextNormalizer"/>.
/// Nothing is learned; <see cref="Fit"/> only checks the input schema. Made by <c>mlContext.Llm().NormalizeText(…)</c>.
/// </summary>
public sealed class TextNormalizerEstimator : IEstimator<TextNormalizerTransformer>
{
    readonly (string OutputColumnName, string InputColumnName)[] _columns;
    readonly TextNormalizerOptions _options;

    /// <summary>Normalizes each input column into its output column (the same name replaces the column).</summary>
    public TextNormalizerEstimator(TextNormalizerOptions? options, params (string OutputColumnName, string InputColumnName)[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _options = (options ?? new TextNormalizerOptions()).Clone();
        _options.Validate();
        _columns = columns.ToArray();
        if (_columns.Length == 0) throw new ArgumentException("NormalizeText needs at least one column.", nameof(columns));
    }

    /// <inheritdoc/>
    public TextNormalizerTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new TextNormalizerTransformer(_columns, _options);
        transformer.GetOutputSchema(input.Schema); // fail here, with the column's name, rather than deep inside training
        return transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var shape = inputSchema;
        foreach (var (output, input) in _columns)
        {
            var col = SchemaShapes.Require(inputSchema, input, "NormalizeText");
            if (col.Kind != SchemaShape.Column.VectorKind.Scalar || col.ItemType is not TextDataViewType)
                throw new ArgumentException($"NormalizeText: input column '{input}' is {col.ItemType} ({col.Kind}); it must be a scalar text column.", nameof(inputSchema));
            shape = SchemaShapes.WithCopy(shape, output, input);
        }
        return shape;
    }
}
