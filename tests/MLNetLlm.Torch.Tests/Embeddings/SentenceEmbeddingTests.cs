using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Embeddings;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Embeddings;

/// <summary>The sentence-embedding estimator over the HF fixture (any BERT checkpoint: shapes come from its config).</summary>
public sealed class SentenceEmbeddingTests : TempDirectoryTest
{
    sealed class EmbeddingRow
    {
        public string Text { get; set; } = "";
    }

    sealed class EmbeddingPrediction
    {
        public float[] Features { get; set; } = [];
    }

    sealed class TopicPrediction
    {
        public uint PredictedLabel { get; set; }
    }

    static SentenceEmbeddingEstimator.Options Options(bool normalize = true, int batchSize = 4) =>
        new() { PretrainedModel = HfFixture.Dir, Normalize = normalize, BatchSize = batchSize, Device = "cpu", NumberOfThreads = 1, MaxLength = 48 };

    /// <summary>Fixture sentences plus texts of very different lengths (so batches really pad), non-ASCII and an empty one.</summary>
    static string[] Texts() =>
    [
        .. HfFixture.Sentences,
        "short",
        string.Join(' ', Enumerable.Repeat("a much longer sentence that keeps going", 6)),
        "Café naïve résumé — ünïcödé",
        "",
        "hello world",
    ];

    static IDataView Data(MLContext ml, IEnumerable<string> texts) => ml.Data.LoadFromEnumerable(texts.Select(t => new EmbeddingRow { Text = t }).ToList());

    static float[][] Column(IDataView view, string name = "Features") =>
        view.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray()).ToArray();

    static int HiddenSize => HfFixture.Reference["config"]!["hidden_size"]!.GetValue<int>();

    static void AssertClose(float[] expected, float[] actual, float tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (tolerance {tol})");
    }

    [Fact]
    public void FitTransformPredictionEngineSaveLoadGiveIdenticalVectors()
    {
        var ml = new MLContext(seed: 1);
        var texts = Texts();
        var data = Data(ml, texts);
        using var model = ml.Llm().SentenceEmbedding("Features", "Text", Options()).Fit(data);
        var column = model.GetOutputSchema(data.Schema)["Features"];
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, HiddenSize), column.Type);

        var batched = Column(model.Transform(data));
        Assert.Equal(texts.Length, batched.Length);
        Assert.All(batched, v => Assert.Equal(HiddenSize, v.Length));
        var engine = ml.Model.CreatePredictionEngine<EmbeddingRow, EmbeddingPrediction>(model);
        var single = texts.Select(t => engine.Predict(new EmbeddingRow { Text = t }).Features).ToArray();
        for (int i = 0; i < texts.Length; i++) AssertClose(batched[i], single[i], 1e-5f, $"row {i} batched vs PredictionEngine");
        // Distinct texts give distinct vectors (the column is not a constant).
        Assert.NotEqual(batched[0], batched[1]);

        string path = PathOf("embedding.mlnetllm");
        ml.Llm().Model.Save(model, data.Schema, path);
        var ml2 = new MLContext(seed: 2);
        var loaded = ml2.Llm().Model.Load(path, out var schema);
        Assert.Equal(batched, Column(loaded.Transform(Data(ml2, texts))));
        var engine2 = ml2.Model.CreatePredictionEngine<EmbeddingRow, EmbeddingPrediction>(loaded, schema);
        Assert.Equal(single, texts.Select(t => engine2.Predict(new EmbeddingRow { Text = t }).Features).ToArray());
        (loaded as IDisposable)?.Dispose();
    }

    [Fact]
    public void EstimatorOutputShapeMatchesTheTransformerSchema()
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml, ["one", "two"]);
        var estimator = ml.Llm().SentenceEmbedding("Embedding", "Text", Options());
        var shape = estimator.GetOutputSchema(MLNetLlm.Mapping.SchemaShapes.FromSchema(data.Schema));
        var col = shape.Single(c => c.Name == "Embedding");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, col.Kind);
        Assert.Equal(NumberDataViewType.Single, col.ItemType);
        using var model = estimator.Fit(data);
        Assert.True(MLNetLlm.Mapping.SchemaShapes.SameColumns(shape, MLNetLlm.Mapping.SchemaShapes.FromSchema(model.GetOutputSchema(data.Schema))));
        Assert.Equal(HiddenSize, model.Dimension);
    }

    [Fact]
    public void MeanPoolingIgnoresPadding()
    {
        var ml = new MLContext(seed: 1);
        var texts = Texts();
        using var model = ml.Llm().SentenceEmbedding("Features", "Text", Options(normalize: false, batchSize: texts.Length)).Fit(Data(ml, ["x"]));
        // One batch pads every row to the longest one; the lengths really differ.
        var tok = BertTextTokenizerFrom(HfFixture.Dir);
        var lengths = texts.Select(t => tok.EncodeRow(t, null, model.MaxLength).Ids.Length).ToArray();
        Assert.True(lengths.Max() >= lengths.Min() + 10, $"token lengths {string.Join(",", lengths)} should differ");
        var together = model.Embed(texts);
        for (int i = 0; i < texts.Length; i++)
            AssertClose(model.Embed([texts[i]])[0], together[i], 1e-5f, $"row {i} (length {lengths[i]} of {lengths.Max()})");
    }

    static MLNetLlm.Torch.Tokenization.BertTextTokenizer BertTextTokenizerFrom(string dir) => MLNetLlm.Torch.Tokenization.BertTextTokenizer.FromDirectory(dir);

    [Fact]
    public void NormalizedEmbeddingsHaveUnitNormAndPointTheSameWay()
    {
        var ml = new MLContext(seed: 1);
        var texts = Texts();
        using var raw = ml.Llm().SentenceEmbedding("Features", "Text", Options(normalize: false)).Fit(Data(ml, ["x"]));
        using var unit = ml.Llm().SentenceEmbedding("Features", "Text", Options(normalize: true)).Fit(Data(ml, ["x"]));
        var r = raw.Embed(texts);
        var u = unit.Embed(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            double norm = Math.Sqrt(r[i].Sum(x => (double)x * x));
            Assert.True(Math.Abs(norm - 1) > 1e-3, $"row {i}: the raw mean already has norm {norm}, so the test would not see normalisation");
            Assert.Equal(1.0, Math.Sqrt(u[i].Sum(x => (double)x * x)), 5);
            AssertClose(r[i].Select(x => (float)(x / norm)).ToArray(), u[i], 1e-6f, $"row {i} direction");
        }
    }

    [Fact]
    public void EmbeddingsEqualAHandComputedMeanOfTheEncodersHiddenStates()
    {
        var ml = new MLContext(seed: 1);
        var texts = Texts();
        using var model = ml.Llm().SentenceEmbedding("Features", "Text", Options(normalize: false)).Fit(Data(ml, ["x"]));
        var actual = model.Embed(texts);

        var (bert, tok, _) = HuggingFaceCheckpoint.Load(HfFixture.Dir, CPU, allowNewHead: true);
        using (bert)
        {
            bert.eval();
            using var _ = no_grad();
            for (int r = 0; r < texts.Length; r++)
            {
                using var scope = NewDisposeScope();
                // One text, no padding: every position counts, so the mean is a plain average over the tokens.
                var (ids, mask, types) = tok.Encode([texts[r]], null, model.MaxLength).ToTensors();
                var hidden = bert.ForwardWithHidden(ids, mask, types).Hidden.contiguous().data<float>().ToArray(); // [1, T, H]
                int t = (int)ids.shape[1], h = HiddenSize;
                Assert.Equal(t * h, hidden.Length);
                var mean = new float[h];
                for (int j = 0; j < h; j++)
                {
                    double s = 0;
                    for (int k = 0; k < t; k++) s += hidden[k * h + j];
                    mean[j] = (float)(s / t);
                }
                AssertClose(mean, actual[r], 1e-5f, $"row {r}");
            }
        }
    }

    [Fact]
    public void ConcurrentCallsGiveTheSameVectorsAsSequentialOnes()
    {
        var ml = new MLContext(seed: 1);
        var texts = Texts();
        using var model = ml.Llm().SentenceEmbedding("Features", "Text", Options()).Fit(Data(ml, ["x"]));
        var expected = texts.Select(t => model.Embed([t])[0]).ToArray();
        var results = new float[texts.Length][];
        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = model.Embed([texts[i]])[0]);
        Assert.Equal(expected, results);
    }

    [Fact]
    public void EmbeddingFeedsAnMLNetTrainerAndTheChainSavesAndLoads()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.TopicsData(60);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Llm().SentenceEmbedding("Features", "Text", Options())
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: 20));
        var model = pipeline.Fit(data);
        var predicted = model.Transform(data).GetColumn<uint>("PredictedLabel").ToArray();
        string path = PathOf("chain.mlnetllm");
        ml.Llm().Model.Save(model, data.Schema, path);
        var loaded = ml.Llm().Model.Load(path, out var schema);
        var engine = ml.Model.CreatePredictionEngine<TopicRow, TopicPrediction>(loaded, schema);
        Assert.Equal(predicted, rows.Select(r => engine.Predict(r).PredictedLabel).ToArray());
        Assert.All(predicted, p => Assert.InRange(p, 1u, 3u));
    }

    [Fact]
    public void BadSettingsAndInputFailNamingWhatIsWrong()
    {
        var ml = new MLContext(seed: 1);
        var data = Data(ml, ["x"]);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().SentenceEmbedding("Features", "Body", Options()).Fit(data));
        Assert.Contains("'Body'", missing.Message);
        var numbers = ml.Data.LoadFromEnumerable(new[] { new { Text = 1f } });
        var notText = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().SentenceEmbedding("Features", "Text", Options()).Fit(numbers));
        Assert.Contains("'Text'", notText.Message);

        var noFolder = Assert.Throws<ArgumentException>(() => ml.Llm().SentenceEmbedding(options: new() { PretrainedModel = PathOf("nope") }).Fit(data));
        Assert.Contains(PathOf("nope"), noFolder.Message);
        Directory.CreateDirectory(PathOf("half"));
        File.Copy(Path.Combine(HfFixture.Dir, "config.json"), PathOf("half/config.json"));
        var half = Assert.Throws<ArgumentException>(() => ml.Llm().SentenceEmbedding(options: new() { PretrainedModel = PathOf("half") }).Fit(data));
        Assert.Contains("model.safetensors", half.Message);

        int positions = HfFixture.Reference["config"]!["max_position_embeddings"]!.GetValue<int>();
        var tooLong = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Llm().SentenceEmbedding(options: new() { PretrainedModel = HfFixture.Dir, MaxLength = positions + 1, Device = "cpu" }).Fit(data));
        Assert.Contains("max_position_embeddings", tooLong.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().SentenceEmbedding(options: new() { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().SentenceEmbedding(options: new() { MaxLength = 2 }));
    }

    [Fact]
    public void DefaultMaxLengthIsCappedByTheCheckpointsPositions()
    {
        var ml = new MLContext(seed: 1);
        using var model = ml.Llm().SentenceEmbedding(options: new() { PretrainedModel = HfFixture.Dir, Device = "cpu", NumberOfThreads = 1 }).Fit(Data(ml, ["x"]));
        int positions = HfFixture.Reference["config"]!["max_position_embeddings"]!.GetValue<int>();
        Assert.Equal(Math.Min(SentenceEmbeddingEstimator.Defaults.MaxLength, positions), model.MaxLength);
    }
}
