using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Mapping;

namespace MLNetLlm.Data.Safety;

/// <summary>Estimator for <see cref="InputFilterTransformer"/>; nothing is learned. Made by <c>mlContext.Llm().FilterInput(…)</c>.</summary>
public sealed class InputFilterEstimator : IEstimator<InputFilterTransformer>
{
    readonly InputFilterOptions _options;

    public InputFilterEstimator(InputFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public InputFilterTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var t = new InputFilterTransformer(_options);
        t.GetOutputSchema(input.Schema); // fail here, naming the column
        return t;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var text = SchemaShapes.Require(inputSchema, _options.InputColumnName, "FilterInput");
        if (text.Kind != SchemaShape.Column.VectorKind.Scalar || text.ItemType is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"FilterInput: column '{_options.InputColumnName}' must be a text scalar.");
        if (_options.ScoreColumnName is { } s) SchemaShapes.Require(inputSchema, s, "FilterInput");
        return SchemaShapes.Append(inputSchema, InputFilterTransformer.AddedSchema(_options));
    }
}
