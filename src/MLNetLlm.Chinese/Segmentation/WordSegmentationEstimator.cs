using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Mapping;

namespace MLNetLlm.Chinese.Segmentation;

/// <summary>
/// Estimator for <see cref="WordSegmentationTransformer"/>. Nothing is learned: <see cref="Fit"/> checks the schema and
/// returns the transformer. Made by <c>mlContext.Llm().SegmentWords(…)</c>. The user dictionary (if any) is read when
/// the estimator is created, so a missing or malformed file fails at once, naming the file and line.
/// </summary>
public sealed class WordSegmentationEstimator : IEstimator<WordSegmentationTransformer>
{
    readonly (string OutputColumnName, string InputColumnName)[] _columns;
    readonly JiebaWordSegmenter _segmenter;

    /// <summary>Segments each input column into its output column (the same name replaces the column).</summary>
    public WordSegmentationEstimator(WordSegmentationOptions? options, params (string OutputColumnName, string InputColumnName)[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns.ToArray();
        if (_columns.Length == 0) throw new ArgumentException("SegmentWords needs at least one column.", nameof(columns));
        foreach (var (output, input) in _columns)
        {
            if (string.IsNullOrWhiteSpace(output)) throw new ArgumentException("SegmentWords: the output column name is empty.", nameof(columns));
            if (string.IsNullOrWhiteSpace(input)) throw new ArgumentException("SegmentWords: the input column name is empty.", nameof(columns));
        }
        _segmenter = JiebaWordSegmenter.Create(options);
    }

    /// <inheritdoc/>
    public WordSegmentationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new WordSegmentationTransformer(_columns, _segmenter);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var shape = inputSchema;
        bool vector = _segmenter.Options.Output == Segmentation.WordSegmentationOutput.Tokens;
        foreach (var (output, input) in _columns)
        {
            var col = SchemaShapes.Require(inputSchema, input, "SegmentWords");
            if (col.Kind != SchemaShape.Column.VectorKind.Scalar || col.ItemType is not TextDataViewType)
                throw new ArgumentException($"SegmentWords: input column '{input}' is {col.ItemType} ({col.Kind}); it must be a scalar text column.", nameof(inputSchema));
            if (!vector) { shape = SchemaShapes.WithCopy(shape, output, input); continue; }
            var builder = new DataViewSchema.Builder();
            builder.AddColumn(output, new VectorDataViewType(TextDataViewType.Instance));
            shape = SchemaShapes.Append(shape, builder.ToSchema());
        }
        return shape;
    }
}
