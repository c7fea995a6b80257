using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Mapping;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Torch.Tests.Trainers;

public sealed class TextClassificationTrainerTests : TempDirectoryTest
{

    sealed class BinaryPrediction
    {
        public bool PredictedLabel { get; set; }
        public float Score { get; set; }
        public float Probability { get; set; }
    }

    sealed class TopicPrediction
    {
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = [];
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void BinaryFromScratchLearnsPredictsAndRoundTrips()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.Load(ml, TestData.Sentiment(64));
        var test = TestData.Load(ml, TestData.Sentiment(32, seed: 9));
        var model = ml.Llm().TextClassification(TestData.Tiny(new TextClassificationTrainer.Options())).Fit(train);
        Assert.True(model.IsBinary);

        var scored = model.Transform(test);
        var metrics = ml.BinaryClassification.Evaluate(scored);
        Assert.True(metrics.Accuracy >= 0.9, $"accuracy {metrics.Accuracy}");

        var batchScores = scored.GetColumn<float>("Score").ToArray();
        var engine = ml.Model.CreatePredictionEngine<TextRow, BinaryPrediction>(model);
        var rows = TestData.Sentiment(32, seed: 9);
        for (int i = 0; i < rows.Count; i++)
        {
            var p = engine.Predict(rows[i]);
            AssertClose.Equal(batchScores[i], p.Score, abs: 1e-5, rel: 1e-5);
            Assert.Equal(p.Score > 0, p.PredictedLabel);
            AssertClose.Equal(1 / (1 + MathF.Exp(-p.Score)), p.Probability, abs: 1e-5);
        }

        string path = PathOf("binary.mlnetllm");
        ml.Llm().Model.Save(model, train.Schema, path);
        var ml2 = new MLContext();
        var loaded = ml2.Llm().Model.Load(path, out var schema);
        Assert.Equal(train.Schema.Select(c => c.Name), schema.Select(c => c.Name));
        Assert.Equal(batchScores, loaded.Transform(TestData.Load(ml2, rows)).GetColumn<float>("Score").ToArray());
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void MulticlassPipelineWithKeyLabelsEvaluatesAndMapsBack()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.TopicsData(60);
        var train = TestData.Load(ml, rows);
        var options = TestData.Tiny(new TextClassificationTrainer.Options());
        (options.BatchSize, options.Seed) = (4, 2); // three symmetric classes: smaller batches leave the 2-of-3 plateau sooner
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Llm().TextClassification(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);
        var testRows = TestData.TopicsData(30, seed: 5);
        var test = TestData.Load(ml, testRows);

        // Evaluate needs the key-typed PredictedLabel: score with the first two stages only.
        var keyed = model.Take(2).Aggregate(test, (d, t) => t.Transform(d));
        var metrics = ml.MulticlassClassification.Evaluate(keyed);
        Assert.True(metrics.MacroAccuracy >= 0.9, $"macro accuracy {metrics.MacroAccuracy}");

        var engine = ml.Model.CreatePredictionEngine<TopicRow, TopicPrediction>(model);
        int correct = testRows.Count(r => engine.Predict(r).PredictedLabel == r.Label);
        Assert.True(correct >= 27, $"{correct}/30 correct");
        var p = engine.Predict(testRows[0]);
        Assert.Equal(3, p.Score.Length);
        AssertClose.Equal(1f, p.Score.Sum(), abs: 1e-4);

        string path = PathOf("multi.mlnetllm");
        ml.Llm().Model.Save(model, train.Schema, path);
        var ml2 = new MLContext();
        var loaded = ml2.Llm().Model.Load(path, out _);
        var engine2 = ml2.Model.CreatePredictionEngine<TopicRow, TopicPrediction>(loaded);
        foreach (var r in testRows.Take(10))
        {
            var (a, b) = (engine.Predict(r), engine2.Predict(r));
            Assert.Equal(a.PredictedLabel, b.PredictedLabel);
            Assert.Equal(a.Score, b.Score);
        }
    }

    [Fact]
    public void OutputSchemaFollowsMLNetConventions()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Transforms.Conversion.MapValueToKey("Label").Fit(TestData.Load(ml, TestData.TopicsData(6))).Transform(TestData.Load(ml, TestData.TopicsData(6)));
        var trainer = ml.Llm().TextClassification(TestData.Tiny(new TextClassificationTrainer.Options()));
        var shape = trainer.GetOutputSchema(SchemaShapes.FromSchema(train.Schema));
        Assert.Contains(shape, c => c.Name == "PredictedLabel" && c.IsKey);
        Assert.Contains(shape, c => c.Name == "Score" && c.Kind == SchemaShape.Column.VectorKind.Vector);

        var o = TestData.Tiny(new TextClassificationTrainer.Options { NumberOfEpochs = 1 });
        var model = ml.Llm().TextClassification(o).Fit(train);
        var schema = model.GetOutputSchema(train.Schema);
        // The estimator's shape is the fitted transformer's shape: names, kinds, types, keys and annotation shapes.
        Assert.True(SchemaShapes.SameColumns(shape, SchemaShapes.FromSchema(schema)), "estimator and transformer shapes differ");
        Assert.Contains(shape.Single(c => c.Name == "Score").Annotations, a => a.Name == "SlotNames");
        Assert.Contains(shape.Single(c => c.Name == "PredictedLabel").Annotations, a => a.Name == "KeyValues");
        var key = schema["PredictedLabel"];
        Assert.Equal(3UL, ((KeyDataViewType)key.Type).Count);
        VBuffer<ReadOnlyMemory<char>> names = default;
        key.GetKeyValues(ref names);
        Assert.Equal(["sports", "cooking", "space"], names.DenseValues().Select(n => n.ToString()));
    }

    [Fact]
    public void BadInputsAreNamed()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TestData.TopicsData(6)); // string label: not a key
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().TextClassification(TestData.Tiny(new TextClassificationTrainer.Options())).Fit(data));
        Assert.Contains("'Label'", ex.Message);
        Assert.Contains("MapValueToKey", ex.Message);
        var ex2 = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Llm().TextClassification(TestData.Tiny(new TextClassificationTrainer.Options { TextColumnName = "Body" })).Fit(TestData.Load(ml, TestData.Sentiment(4))));
        Assert.Contains("'Body'", ex2.Message);
        var bad = TestData.Tiny(new TextClassificationTrainer.Options());
        bad.BatchSize = 0;
        Assert.Contains("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().TextClassification(bad).Fit(TestData.Load(ml, TestData.Sentiment(4)))).Message);
    }
}
