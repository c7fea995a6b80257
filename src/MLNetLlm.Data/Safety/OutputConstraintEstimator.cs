using Microsoft.ML;
using MLNetLlm.Mapping;

namespace MLNetLlm.Data.Safety;

/// <summary>Estimator for <see cref="OutputConstraintTransformer"/>; nothing is learned. Made by <c>mlContext.Llm().ConstrainOutput(…)</c>.</summary>
public sealed class OutputConstraintEstimator : IEstimator<OutputConstraintTransformer>
{
    readonly OutputRules _rules;
    readonly OutputConstraintOptions _options;

    public OutputConstraintEstimator(OutputRules rules, OutputConstraintOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = rules;
        _options = (options ?? new OutputConstraintOptions()).Clone();
        if (_options.ClassNames is { Count: > 0 } classes) rules.CheckLabels(classes.ToArray());
    }

    public OutputConstraintTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var t = new OutputConstraintTransformer(_rules, _options);
        t.GetOutputSchema(input.Schema);
        return t;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShapes.Require(inputSchema, _options.PredictedLabelColumnName, "ConstrainOutput");
        return SchemaShapes.Append(inputSchema, OutputConstraintTransformer.AddedSchema(_options));
    }
}
