using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Compression;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;

namespace MLNetLlm.Torch.Tests.Compression;

/// <summary>Compressed (ONNX Runtime) classifiers score single rows in a PredictionEngine like batch Transform does.</summary>
public sealed class CompressedPredictionEngineTests(TinyClassifierFixture fixture) : IClassFixture<TinyClassifierFixture>
{
    private readonly MLContext _ml = fixture.Context;

    public sealed class Row
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }

    public sealed class Prediction
    {
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    private Row[] Rows() => fixture.Data.GetColumn<ReadOnlyMemory<char>>("Text").Zip(fixture.Data.GetColumn<bool>("Label"),
        (t, l) => new Row { Text = t.ToString(), Label = l }).ToArray();

    /// <summary>Every row through a PredictionEngine vs the batch Transform of the whole view; returns the largest |Δscore|.</summary>
    private double EngineVersusTransform(MLContext ml, ITransformer model, ITransformer reference)
    {
        Assert.True(model.IsRowToRowMapper);
        var batch = TinyClassifierFixture.Column(reference.Transform(fixture.Data), "Score");
        var labels = reference.Transform(fixture.Data).GetColumn<bool>("PredictedLabel").ToArray();
        using var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
        var rows = Rows();
        double maxError = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            var p = engine.Predict(rows[i]);
            maxError = Math.Max(maxError, Math.Abs(p.Score - batch[i]));
            Assert.Equal(p.Score > 0, p.PredictedLabel);
            AssertClose.Equal(1 / (1 + MathF.Exp(-p.Score)), p.Probability, abs: 1e-5);
            if (Math.Abs(batch[i]) > 0.05) Assert.Equal(labels[i], p.PredictedLabel);
        }
        return maxError;
    }

    [Fact]
    public void QuantizedModelInAPredictionEngineScoresLikeBatchTransform()
    {
        // Batch of one: the same ONNX Runtime call per row, so the scores are identical.
        using (var single = _ml.Llm().Quantize(fixture.Model, new QuantizationOptions { Mode = QuantizationMode.DynamicInt8, Threads = 1, InferenceBatchSize = 1 }).Fit(fixture.Data))
            Assert.Equal(0, EngineVersusTransform(_ml, single, single));
        // Batches of 32: padding and per-batch activation scales differ from single rows, within int8 noise.
        using var batched = _ml.Llm().Quantize(fixture.Model, new QuantizationOptions { Mode = QuantizationMode.DynamicInt8, Threads = 1 }).Fit(fixture.Data);
        double error = EngineVersusTransform(_ml, batched, batched);
        Assert.True(error < 0.05, $"max |engine - transform| = {error}");
        // float32 ONNX: only float rounding between a padded batch and a single row.
        using var fp32 = _ml.Llm().Quantize(fixture.Model, new QuantizationOptions { Mode = QuantizationMode.None, Threads = 1 }).Fit(fixture.Data);
        double fp32Error = EngineVersusTransform(_ml, fp32, fp32);
        Assert.True(fp32Error < 1e-4, $"fp32: max |engine - transform| = {fp32Error}");
    }

    [Fact]
    public void PrunedAndDistilledModelsInAPredictionEngineScoreLikeBatchTransform()
    {
        var pruning = new PruningOptions { Sparsity = 0.5, HeadFraction = 0.5, FeedForwardFraction = 0.5, RecoveryEpochs = 1, BatchSize = 8, Threads = 1, InferenceBatchSize = 1 };
        using (var pruned = _ml.Llm().Prune(fixture.Model, pruning).Fit(fixture.Data))
            Assert.Equal(0, EngineVersusTransform(_ml, pruned, pruned));
        var distillation = new DistillationOptions { StudentLayers = 1, NumberOfEpochs = 1, BatchSize = 8, Threads = 1, InferenceBatchSize = 1 };
        using var student = _ml.Llm().Distill(fixture.Model, distillation).Fit(fixture.Data);
        Assert.Equal(0, EngineVersusTransform(_ml, student, student));
    }

    [Fact]
    public void SavedAndReloadedCompressedModelWorksInAPredictionEngine()
    {
        string dir = Directory.CreateTempSubdirectory("mlnetllm-engine-").FullName;
        try
        {
            using var compressed = _ml.Llm().Quantize(fixture.Model, new QuantizationOptions { Mode = QuantizationMode.DynamicInt8, Threads = 1, InferenceBatchSize = 1 })
                .Fit(fixture.Data);
            string path = Path.Combine(dir, "int8.mlnetllm");
            _ml.Llm().Model.Save(compressed, fixture.Data.Schema, path);
            var fresh = new MLContext();
            var loaded = fresh.Llm().Model.Load(path, out _);
            try
            {
                // The reloaded model in an engine gives exactly the in-memory model's batch scores.
                Assert.Equal(0, EngineVersusTransform(fresh, loaded, compressed));
            }
            finally { (loaded as IDisposable)?.Dispose(); }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void TransformIsLazyAndAnEngineNamesAMissingColumn()
    {
        using var compressed = _ml.Llm().Quantize(fixture.Model, new QuantizationOptions { Threads = 1 }).Fit(fixture.Data);
        // Transform reads no rows (the old compressed path scored the whole view here): only a cursor does.
        var unread = new UnreadableView(fixture.Data.Schema);
        var scored = compressed.Transform(unread);
        Assert.Equal(["Text", "Label", "Score", "Probability", "PredictedLabel"], scored.Schema.Select(c => c.Name));
        Assert.Throws<InvalidOperationException>(() => scored.GetColumn<float>("Score").ToArray());
        Assert.Equal(48, TinyClassifierFixture.Column(compressed.Transform(fixture.Data), "Score").Length);
        var other = _ml.Data.LoadFromEnumerable(new[] { new { Body = "hello" } });
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => compressed.GetRowToRowMapper(other.Schema));
        Assert.Contains("'Text'", ex.Message);
    }

    /// <summary>A view with a schema whose rows cannot be read.</summary>
    private sealed class UnreadableView(DataViewSchema schema) : IDataView
    {
        public bool CanShuffle => false;
        public DataViewSchema Schema => schema;
        public long? GetRowCount() => null;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            throw new InvalidOperationException("rows were read");
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            throw new InvalidOperationException("rows were read");
    }
}
