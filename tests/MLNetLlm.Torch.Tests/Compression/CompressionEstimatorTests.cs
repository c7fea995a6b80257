using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.DataViews;
using MLNetLlm.Torch.Compression;
using MLNetLlm.Torch.Compression.Bert;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Trainers;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Compression;

/// <summary>One small fine-tuned classifier (HF tiny BERT, 1 epoch on 48 synthetic rows) shared by the estimator tests.</summary>
public sealed class TinyClassifierFixture : IDisposable
{
    public TinyClassifierFixture()
    {
        Context = new MLContext(seed: 1);
        var rng = new Random(3);
        string[] spam = ["win money now", "cheap pills offer", "free prize click", "claim your reward", "lottery winner cash", "buy cheap watches"];
        string[] ham = ["meeting moved to monday", "see you at lunch", "the report is attached", "can you review my code", "dinner with family", "project status update"];
        var texts = new List<ReadOnlyMemory<char>>();
        var labels = new List<bool>();
        for (int i = 0; i < 48; i++)
        {
            bool isSpam = i % 2 == 0;
            var pool = isSpam ? spam : ham;
            texts.Add($"{pool[rng.Next(pool.Length)]} {pool[rng.Next(pool.Length)]}".AsMemory());
            labels.Add(isSpam);
        }
        Data = InMemoryDataView.FromColumns(("Text", TextDataViewType.Instance, texts.ToArray()), ("Label", BooleanDataViewType.Instance, labels.ToArray()));
        Trainer = Context.Llm().TextClassification(new TextClassificationTrainer.Options
        {
            PretrainedModelPath = HfFixture.Dir,
            Device = "cpu",
            NumberOfEpochs = 4,
            BatchSize = 8,
            MaxLength = 16,
            LearningRate = 3e-3,
        });
        Model = Trainer.Fit(Data);
    }

    public MLContext Context { get; }
    public IDataView Data { get; }
    public TextClassificationTrainer Trainer { get; }
    public TextClassificationTransformer Model { get; }

    public static float[] Column(IDataView view, string name) => view.GetColumn<float>(name).ToArray();

    public void Dispose() => Model.Dispose();
}

public sealed class CompressionEstimatorTests(TinyClassifierFixture fixture) : IClassFixture<TinyClassifierFixture>
{
    private readonly MLContext _ml = fixture.Context;

    [Theory]
    [InlineData(QuantizationMode.None, 1e-4)]
    [InlineData(QuantizationMode.DynamicInt8, 0.05)]
    [InlineData(QuantizationMode.WeightOnlyInt8, 0.05)]
    public void QuantizedModelScoresLikeTheFloat32Model(QuantizationMode mode, double tolerance)
    {
        var expected = TinyClassifierFixture.Column(fixture.Model.Transform(fixture.Data), "Probability");
        using var compressed = _ml.Llm().Quantize(fixture.Model, new QuantizationOptions { Mode = mode, Threads = 1 }).Fit(fixture.Data);
        var scored = compressed.Transform(fixture.Data);
        var actual = TinyClassifierFixture.Column(scored, "Probability");
        Assert.Equal(expected.Length, actual.Length);
        double maxError = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxError <= tolerance, $"{mode}: max |p - p_fp32| = {maxError}");
        var metrics = _ml.BinaryClassification.EvaluateNonCalibrated(scored);
        Assert.InRange(metrics.Accuracy, 0, 1);
    }

    [Fact]
    public void QuantizedModelRoundTripsThroughTheModelFileAtReducedSize()
    {
        string dir = Directory.CreateTempSubdirectory("mlnetllm-q-").FullName;
        try
        {
            using var compressed = _ml.Llm().Quantize(fixture.Model).Fit(fixture.Data);
            string fp32Path = Path.Combine(dir, "fp32.mlnetllm"), int8Path = Path.Combine(dir, "int8.mlnetllm");
            _ml.Llm().Model.Save(fixture.Model, fixture.Data.Schema, fp32Path);
            _ml.Llm().Model.Save(compressed, fixture.Data.Schema, int8Path);
            Assert.True(new FileInfo(int8Path).Length * 2.5 < new FileInfo(fp32Path).Length,
                $"int8 file {new FileInfo(int8Path).Length} B vs fp32 {new FileInfo(fp32Path).Length} B");
            var loaded = _ml.Llm().Model.Load(int8Path, out var schema);
            try
            {
                Assert.Equal(TinyClassifierFixture.Column(compressed.Transform(fixture.Data), "Score"),
                    TinyClassifierFixture.Column(loaded.Transform(fixture.Data), "Score"));
            }
            finally { (loaded as IDisposable)?.Dispose(); }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void PrunedModelHasExactSparsityShrunkMatricesAndItsOnnxExportMatchesTorch()
    {
        var options = new PruningOptions { Sparsity = 0.5, HeadFraction = 0.5, FeedForwardFraction = 0.5, RecoveryEpochs = 1, BatchSize = 8, PruningFrequency = 2, Threads = 1 };
        using var pruned = _ml.Llm().Prune(fixture.Model, options).Fit(fixture.Data);
        var model = pruned.TorchModel!;
        var c = HfFixture.Config; // half of the heads and of the neurons pruned, rounded down
        Assert.All(BertCompression.Widths(model), w => Assert.Equal((c.NumAttentionHeads - c.NumAttentionHeads / 2, c.IntermediateSize - c.IntermediateSize / 2), w));
        var pruner = BertCompression.MagnitudePruner(model, PruningScope.Global);
        AssertClose.Equal(0.5, pruner.Sparsity(), abs: 1e-2);
        // The base model is untouched.
        Assert.All(BertCompression.Widths(fixture.Model.Model.Model), w => Assert.Equal((c.NumAttentionHeads, c.IntermediateSize), w));
        // ONNX Runtime on the exported graph = TorchSharp on the pruned model.
        var texts = fixture.Data.GetColumn<ReadOnlyMemory<char>>("Text").Select(t => t.ToString()).ToArray();
        var torchLogits = BertCompression.Logits(model, pruned.Predictor.Tokenizer, texts, null, pruned.Predictor.MaxLength, CPU);
        var onnxLogits = pruned.Score(texts, null);
        double maxError = torchLogits.Zip(onnxLogits, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
        Assert.True(maxError < 1e-4, $"max |onnx - torch| = {maxError}");
    }

    [Fact]
    public void DistilledStudentHasFewerLayersStartsFromTheTeacherAndLearnsItsOutputs()
    {
        var teacher = CompressionSource.From(fixture.Model);
        var options = new DistillationOptions { StudentLayers = 1, Temperature = 2, Alpha = 1, NumberOfEpochs = 3, LearningRate = 2e-3, BatchSize = 8 };
        var (initial, copied) = BertCompression.CreateStudent(teacher.Model, options);
        using (initial)
        {
            Assert.Contains("bert.embeddings.word_embeddings.weight", copied);
            Assert.Contains("bert.encoder.layer.0.attention.self.query.weight", copied);
            Assert.Equal(1, initial.Config.NumHiddenLayers);
            var texts = fixture.Data.GetColumn<ReadOnlyMemory<char>>("Text").Select(t => t.ToString()).ToArray();
            var rows = teacher.ReadTraining(fixture.Data, options);
            using var student = BertDistillation.Run(teacher, rows, options);
            double Kl(Models.BertForSequenceClassification s)
            {
                var t = BertCompression.Logits(teacher.Model, teacher.Tokenizer, texts, null, teacher.MaxLength, CPU);
                var p = BertCompression.Logits(s, teacher.Tokenizer, texts, null, teacher.MaxLength, CPU);
                return new DistillationLoss(2, 1).SoftTargetLoss(tensor(p.SelectMany(r => r).ToArray()).reshape(p.Length, -1),
                    tensor(t.SelectMany(r => r).ToArray()).reshape(t.Length, -1)).item<float>();
            }
            double before = Kl(initial), after = Kl(student);
            Assert.True(after < before, $"KL(teacher ‖ student) went from {before} to {after}");
        }
    }

    [Fact]
    public void DistillEstimatorWithHiddenStateLossProducesAScoringModel()
    {
        var options = new DistillationOptions { StudentLayers = 1, StudentHiddenSize = 32, HiddenStateWeight = 0.5, NumberOfEpochs = 1, BatchSize = 8, Quantization = QuantizationMode.DynamicInt8, Threads = 1 };
        using var student = _ml.Llm().Distill(fixture.Model, options).Fit(fixture.Data);
        Assert.Equal(32, student.TorchModel!.Config.HiddenSize);
        Assert.Equal(QuantizationMode.DynamicInt8, student.Quantization);
        var scored = student.Transform(fixture.Data);
        Assert.Equal(48, TinyClassifierFixture.Column(scored, "Probability").Length);
        Assert.Equal(["Score", "Probability", "PredictedLabel"], scored.Schema.Skip(2).Select(c => c.Name));
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void EstimatorOverTheTrainerFitsItAndReportsTheTrainersOutputSchema()
    {
        var estimator = _ml.Llm().Quantize(fixture.Trainer, new QuantizationOptions { Mode = QuantizationMode.DynamicInt8, Threads = 1 });
        var shape = estimator.GetOutputSchema(MLNetLlm.Mapping.SchemaShapes.FromSchema(fixture.Data.Schema));
        Assert.Equal(["Text", "Label", "Score", "Probability", "PredictedLabel"], shape.Select(c => c.Name));
        using var model = estimator.Fit(fixture.Data);
        var scored = model.Transform(fixture.Data);
        Assert.Equal(shape.Select(c => c.Name), scored.Schema.Select(c => c.Name));
        Assert.True(MLNetLlm.Mapping.SchemaShapes.SameColumns(shape, MLNetLlm.Mapping.SchemaShapes.FromSchema(model.GetOutputSchema(fixture.Data.Schema))));
        Assert.Equal(QuantizationMode.DynamicInt8, model.Quantization);
        Assert.True(model.ModelBytes > 0);
        Assert.Null(model.TorchModel); // the intermediate fp32 model was disposed after export
    }

    [Fact]
    public void BadOptionsAndInputsAreRejectedWithClearMessages()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Llm().Prune(fixture.Model, new PruningOptions { Sparsity = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Llm().Distill(fixture.Model, new DistillationOptions { Temperature = 0.5 }));
        var ex = Assert.Throws<ArgumentException>(() => _ml.Llm().Quantize(_ml.Transforms.CopyColumns("A", "Text").Fit(fixture.Data)).Fit(fixture.Data));
        Assert.Contains("TextClassificationTransformer", ex.Message);
        var noText = InMemoryDataView.FromColumns(("Other", TextDataViewType.Instance, new[] { "x".AsMemory() }));
        using var q = _ml.Llm().Quantize(fixture.Model).Fit(fixture.Data);
        Assert.Contains("'Text'", Assert.Throws<ArgumentOutOfRangeException>(() => q.Transform(noText)).Message);
    }
}
