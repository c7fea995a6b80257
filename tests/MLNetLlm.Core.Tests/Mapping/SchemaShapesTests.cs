using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.DataViews;
using MLNetLlm.Mapping;

namespace MLNetLlm.Core.Tests.Mapping;

public sealed class SchemaShapesTests
{
    static IDataView Data(MLContext ml) => InMemoryDataView.FromColumns(
        ("Text", TextDataViewType.Instance, new[] { "a b".AsMemory(), "b c".AsMemory(), "c a".AsMemory() }),
        ("Label", TextDataViewType.Instance, new[] { "x".AsMemory(), "y".AsMemory(), "x".AsMemory() }),
        ("Weight", NumberDataViewType.Double, new[] { 1.0, 2.0, 0.5 }));

    /// <summary>Shapes built through the public route agree with ML.NET's own estimators on keys, vectors and annotations.</summary>
    [Fact]
    public void ShapeOfAFittedSchemaEqualsWhatMLNetsEstimatorsPredict()
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Words", "Text"))
            .Append(ml.Transforms.Conversion.MapValueToKey("WordKeys", "Words"))
            .Append(ml.Transforms.Conversion.ConvertType("Weight32", "Weight", DataKind.Single))
            .Append(ml.Transforms.Concatenate("Features", "Weight32", "Weight32"));
        var predicted = pipeline.GetOutputSchema(SchemaShapes.FromSchema(data.Schema));
        var actual = SchemaShapes.FromSchema(pipeline.Fit(data).Transform(data).Schema);
        Assert.True(SchemaShapes.SameColumns(predicted, actual));
        var label = SchemaShapes.Find(actual, "Label")!.Value;
        Assert.True(label.IsKey);
        Assert.Contains(label.Annotations, a => a.Name == "KeyValues");
        Assert.Equal(SchemaShape.Column.VectorKind.VariableVector, SchemaShapes.Find(actual, "WordKeys")!.Value.Kind);
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, SchemaShapes.Find(actual, "Features")!.Value.Kind);
        // A different shape is told apart.
        Assert.False(SchemaShapes.SameColumns(predicted, SchemaShapes.FromSchema(data.Schema)));
    }

    [Fact]
    public void AppendReplacesASameNamedColumnAndRequireNamesTheMissingOne()
    {
        var ml = new MLContext(seed: 1);
        var input = SchemaShapes.FromSchema(Data(ml).Schema);
        var added = new DataViewSchema.Builder();
        added.AddColumn("Weight", BooleanDataViewType.Instance);
        added.AddColumn("Score", new VectorDataViewType(NumberDataViewType.Single, 3));
        var shape = SchemaShapes.Append(input, added.ToSchema());
        Assert.Equal(["Text", "Label", "Weight", "Score"], shape.Select(c => c.Name));
        Assert.Equal(BooleanDataViewType.Instance, SchemaShapes.Find(shape, "Weight")!.Value.ItemType);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SchemaShapes.Require(shape, "Body", "Step"));
        Assert.Contains("Step: input column 'Body' not found", ex.Message);
    }

    [Fact]
    public void ScoredSchemaWithKeyTypedAnnotationsHasAShape()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 20).Select(i => new Row { X = i, Label = i % 2 == 0 }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Concatenate("Features", "X")
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 2));
        var scored = pipeline.Fit(data).Transform(data).Schema;
        var shape = SchemaShapes.FromSchema(scored);
        var score = SchemaShapes.Find(shape, "Score")!.Value;
        // ML.NET marks score columns with a key-typed ScoreColumnSetId annotation and text ScoreColumnKind.
        Assert.Contains(score.Annotations, a => a.Name == "ScoreColumnSetId" && a.IsKey);
        Assert.Contains(score.Annotations, a => a.Name == "ScoreColumnKind");
        Assert.True(SchemaShapes.SameColumns(shape, pipeline.GetOutputSchema(SchemaShapes.FromSchema(data.Schema))));
    }

    sealed class Row
    {
        public float X { get; set; }
        public bool Label { get; set; }
    }
}
