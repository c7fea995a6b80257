using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Training;

public sealed class FineTuningHooksTests : TempDirectoryTest
{
    static (TextModel Model, TrainingRows Rows, TextClassificationTrainer.Options Options) Setup(int rows, Action<TextClassificationTrainer.Options>? edit = null)
    {
        var o = TestData.Tiny(new TextClassificationTrainer.Options());
        o.NumberOfEpochs = 3;
        edit?.Invoke(o);
        var data = TestData.Sentiment(rows);
        var train = new TrainingRows(data.Select(r => r.Text).ToArray(), null, data.Select(r => r.Label ? 1f : 0f).ToArray());
        var model = TextModel.Create(o, TextTask.Binary, ["false", "true"], () => train.Texts);
        return (model, train, o);
    }

    static Dictionary<string, float[]> Weights(TextModel tm) =>
        tm.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());

    [Fact]
    public void StepAndEpochCallbacksSeeEveryOptimizerStepInOrderAndCanActOnTheModel()
    {
        var (tm, rows, o) = Setup(24, o => { o.BatchSize = 5; o.GradientAccumulationSteps = 2; });
        using var _ = tm;
        var steps = new List<TrainingStep>();
        var epochs = new List<TrainingEpoch>();
        float[]? before = null;
        var hooks = new FineTuningHooks
        {
            StepCompleted = s =>
            {
                Assert.Same(tm.Model, s.Model);
                // Called after the optimizer step: the head moved since the previous callback.
                var now = s.Model.Classifier.weight!.detach().data<float>().ToArray();
                if (before != null) Assert.NotEqual(before, now);
                before = now;
                steps.Add(s);
                // A schedule acting on the model (as gradual pruning does): zero the head's bias after every step.
                using (no_grad()) s.Model.Classifier.bias!.zero_();
            },
            EpochCompleted = epochs.Add,
        };
        FineTuner.Train(tm, rows, null, o, "hooks", hooks);

        // 24 rows / batch 5 = 5 batches, accumulation 2 → 3 optimizer steps per epoch, 3 epochs.
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), steps.Select(s => s.Step));
        Assert.Equal([1, 1, 1, 2, 2, 2, 3, 3, 3], steps.Select(s => s.Epoch));
        Assert.All(steps, s => Assert.Equal(9, s.TotalSteps));
        Assert.All(steps, s => Assert.True(s.Loss > 0 && double.IsFinite(s.Loss)));
        Assert.True(steps[1].LearningRate > 0);
        Assert.Equal([1, 2, 3], epochs.Select(e => e.Epoch));
        Assert.Equal([3L, 6L, 9L], epochs.Select(e => e.Step));
        Assert.All(epochs, e => Assert.Null(e.ValidationLoss));
        Assert.All(tm.Model.Classifier.bias!.data<float>().ToArray(), b => Assert.Equal(0f, b));
    }

    [Fact]
    public void TheLossIsPluggableAZeroLossLeavesEveryWeightUnchanged()
    {
        // Without weight decay AdamW moves a weight only through its gradient.
        var (tm, rows, o) = Setup(16, o => { o.WeightDecay = 0; o.NumberOfEpochs = 2; });
        using var _ = tm;
        var initial = Weights(tm);
        int calls = 0;
        FineTuner.Train(tm, rows, null, o, "zero", new FineTuningHooks
        {
            Loss = (m, b) =>
            {
                calls++;
                Assert.Equal(ScalarType.Int64, b.Targets.dtype);
                Assert.Equal(b.Rows, b.Targets.shape[0]);
                // Indices point at the batch rows in the training set (what a per-row cache such as teacher logits relies on).
                Assert.False(b.IsValidation);
                Assert.Equal(b.Indices.Select(i => (long)rows.Targets[i]), b.Targets.data<long>().ToArray());
                var ids = b.InputIds.data<long>().ToArray();
                long width = b.InputIds.shape[1];
                for (int r = 0; r < b.Indices.Count; r++)
                {
                    var expected = tm.Tokenizer.EncodeRow(rows.Texts[b.Indices[r]], null, tm.MaxLength).Ids.Select(x => (long)x);
                    Assert.Equal(expected, ids.Skip((int)(r * width)).Take(expected.Count()));
                }
                return FineTuner.TaskLoss(m, b) * 0.0;
            },
        });
        Assert.Equal(4, calls); // 2 batches of 8, 2 epochs
        var after = Weights(tm);
        Assert.All(initial, kv => Assert.Equal(kv.Value, after[kv.Key]));

        // The control: the same run with the task's loss changes the weights.
        var (tm2, rows2, o2) = Setup(16, o => { o.WeightDecay = 0; o.NumberOfEpochs = 2; });
        using var __ = tm2;
        var initial2 = Weights(tm2);
        FineTuner.Train(tm2, rows2, null, o2, "task");
        var after2 = Weights(tm2);
        Assert.Contains(initial2, kv => !kv.Value.SequenceEqual(after2[kv.Key]));
    }

    [Fact]
    public void ExtraParametersAreTrainedWithTheModelButCannotBeCheckpointed()
    {
        var (tm, rows, o) = Setup(16, o => o.NumberOfEpochs = 1);
        using var _ = tm;
        using var extra = new TorchSharp.Modules.Parameter(zeros(1));
        var hooks = new FineTuningHooks
        {
            // The loss pulls the extra scalar towards 1.
            Loss = (m, b) => FineTuner.TaskLoss(m, b) + (extra - 1).pow(2).sum(),
            ExtraParameters = [("extra", extra)],
        };
        FineTuner.Train(tm, rows, null, o, "extra", hooks);
        Assert.True(extra.item<float>() > 0);

        o.CheckpointDirectory = PathOf("ckpt");
        var ex = Assert.Throws<NotSupportedException>(() => FineTuner.Train(tm, rows, null, o, "extra", hooks));
        Assert.Contains("CheckpointDirectory", ex.Message);
    }
}
