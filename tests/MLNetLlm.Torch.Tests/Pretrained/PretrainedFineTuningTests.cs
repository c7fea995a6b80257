using Microsoft.ML;
using MLNetLlm.Torch.Compression;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Pretrained;

/// <summary>
/// Fine-tuning the real all-MiniLM-L6-v2 with the defaults a pretrained start gets (encoder 5e-5 with warm-up, head
/// 1e-3 in its own parameter group, enough steps for small data), in full, LoRA and prompt-tuning mode. The test words
/// never occur in training: only transfer from pretraining can classify them.
/// </summary>
public sealed class PretrainedFineTuningTests(RealModels models) : IClassFixture<RealModels>
{
    static readonly string[] Filler = ["the", "a", "we", "it", "today", "really", "some", "very", "and", "then", "with", "our", "this"];
    static readonly string[] TrainPositive = ["great", "wonderful", "excellent", "lovely", "happy", "good", "nice", "amazing"];
    static readonly string[] TrainNegative = ["terrible", "awful", "boring", "horrible", "sad", "bad", "ugly", "nasty"];
    static readonly string[] TestPositive = ["fantastic", "superb", "delightful", "brilliant", "marvelous"];
    static readonly string[] TestNegative = ["dreadful", "miserable", "disgusting", "appalling", "dismal"];

    static List<TextRow> Rows(int n, string[] positive, string[] negative, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(i =>
        {
            var keys = i % 2 == 0 ? positive : negative;
            var words = Enumerable.Range(0, 4).Select(_ => Filler[r.Next(Filler.Length)]).ToList();
            words.Insert(r.Next(words.Count), keys[r.Next(keys.Length)]);
            return new TextRow { Label = i % 2 == 0, Text = string.Join(' ', words) };
        }).ToList();
    }

    [Fact]
    public void APretrainedStartGetsPractitionerDefaults()
    {
        var pre = new TextClassificationTrainer.Options { PretrainedModelPath = "all-MiniLM-L6-v2" };
        Assert.Equal(5e-5, pre.EffectiveLearningRate);
        Assert.Equal(1e-3, pre.EffectiveHeadLearningRate);
        Assert.Equal(3, pre.EffectiveEpochs(302));  // SpamAssassin, batch 16: 906 steps in 3 epochs
        Assert.Equal(6, pre.EffectiveEpochs(94));   // 1,500 rows: raised to 500+ steps
        Assert.Equal(20, pre.EffectiveEpochs(3));   // 48 rows: at most 20 epochs
        pre.MinimumTrainingSteps = 0;
        Assert.Equal(3, pre.EffectiveEpochs(3));
        // Epochs that are set are kept as given.
        Assert.Equal(2, new TextClassificationTrainer.Options { PretrainedModelPath = "x", NumberOfEpochs = 2 }.EffectiveEpochs(3));
        var lora = new TextClassificationTrainer.Options { PretrainedModelPath = "x", Mode = FineTuningMode.Lora };
        Assert.Equal((5e-4, 1e-3), (lora.EffectiveLearningRate, lora.EffectiveHeadLearningRate));
        var scratch = new TextClassificationTrainer.Options();
        Assert.Equal((1e-3, 1e-3, 3), (scratch.EffectiveLearningRate, scratch.EffectiveHeadLearningRate, scratch.EffectiveEpochs(3)));
        var own = new TextClassificationTrainer.Options { PretrainedModelPath = "x", LearningRate = 3e-5, HeadLearningRate = 2e-4 };
        Assert.Equal((3e-5, 2e-4), (own.EffectiveLearningRate, own.EffectiveHeadLearningRate));
    }

    [Fact]
    public void AScaledParameterGroupStepsLikeItsOwnOptimizerAtTheScaledRate()
    {
        using var g = new Generator(5);
        var w1 = nn.Parameter(randn([3, 4], generator: g));
        var w2 = nn.Parameter(w1.detach().clone());
        var h1 = nn.Parameter(randn([2, 3], generator: g));
        var h2 = nn.Parameter(h1.detach().clone());
        using var grouped = new AdamW([("enc.weight", w1), ("classifier.weight", h1)], learningRateScale: n => n.StartsWith("classifier.", StringComparison.Ordinal) ? 20 : 1);
        using var encoder = new AdamW([("enc.weight", w2)]);
        using var head = new AdamW([("classifier.weight", h2)]);
        for (int step = 0; step < 3; step++)
        {
            foreach (var (w, h) in new[] { (w1, h1), (w2, h2) })
            {
                using var scope = NewDisposeScope();
                var x = randn([5, 4], generator: new Generator((ulong)step));
                var loss = x.matmul(w.t()).matmul(h.t()).pow(2).mean();
                loss.backward();
            }
            grouped.Step(5e-5);
            encoder.Step(5e-5);
            head.Step(1e-3);
            foreach (var o in new[] { grouped, encoder, head }) o.ZeroGrad();
        }
        Assert.Equal(0, w1.sub(w2).abs().max().item<float>());
        Assert.Equal(0, h1.sub(h2).abs().max().item<float>());
    }

    [Theory]
    [InlineData(FineTuningMode.Full, 0.9)]
    [InlineData(FineTuningMode.Lora, 0.9)]
    [InlineData(FineTuningMode.PromptTuning, 0.8)]
    public void MiniLMFineTunesOnFortyEightRowsAndTransfersToUnseenWords(FineTuningMode mode, double floor)
    {
        var m = models["all-MiniLM-L6-v2"];
        var ml = new MLContext(seed: 1);
        var progress = new List<TrainingProgress>();
        var options = new TextClassificationTrainer.Options
        {
            PretrainedModelPath = m.Directory, Mode = mode, MaxLength = 16, Device = "cpu", Seed = 3,
            Progress = new SyncProgress<TrainingProgress>(progress.Add),
        };
        using var model = ml.Llm().TextClassification(options).Fit(TestData.Load(ml, Rows(48, TrainPositive, TrainNegative, 1)));
        // 48 rows at batch 16 are 3 steps an epoch: the defaults raise 3 epochs to 20 (60 steps).
        Assert.Equal(20, progress[^1].TotalEpochs);
        Assert.True(progress[^1].Loss < progress.First(p => p.IsEpochEnd).Loss, "training loss did not fall");
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(TestData.Load(ml, Rows(60, TestPositive, TestNegative, 7))));
        Assert.True(metrics.Accuracy >= floor, $"{mode}: accuracy {metrics.Accuracy:F3} on sentences whose sentiment words never occur in training");
    }

    [Fact]
    public void AFineTunedMiniLMDistilsIntoAThreeLayerInt8Student()
    {
        var m = models["all-MiniLM-L6-v2"];
        var ml = new MLContext(seed: 1);
        var train = TestData.Load(ml, Rows(48, TrainPositive, TrainNegative, 1));
        var trainer = ml.Llm().TextClassification(new TextClassificationTrainer.Options { PretrainedModelPath = m.Directory, MaxLength = 16, Device = "cpu", Seed = 3 });
        using var teacher = trainer.Fit(train);
        var options = new DistillationOptions { StudentLayers = 3, Quantization = QuantizationMode.DynamicInt8, NumberOfEpochs = 5, BatchSize = 16, Threads = 1 };
        using var student = ml.Llm().Distill(teacher, options).Fit(train);
        // The 384-wide geometry is kept: 3 of the 6 layers, 12 heads of 32, FFN 1536, initialised from teacher layers.
        var c = student.TorchModel!.Config;
        Assert.Equal((3, 384, 12, 1536), (c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize));
        Assert.Equal(QuantizationMode.DynamicInt8, student.Quantization);
        var test = TestData.Load(ml, Rows(60, TrainPositive, TrainNegative, 9));
        double teacherAccuracy = ml.BinaryClassification.Evaluate(teacher.Transform(test)).Accuracy;
        double studentAccuracy = ml.BinaryClassification.Evaluate(student.Transform(test)).Accuracy;
        Assert.True(teacherAccuracy >= 0.9, $"teacher accuracy {teacherAccuracy:F3}");
        Assert.True(studentAccuracy >= 0.9, $"int8 3-layer student accuracy {studentAccuracy:F3} (teacher {teacherAccuracy:F3})");
    }
}
