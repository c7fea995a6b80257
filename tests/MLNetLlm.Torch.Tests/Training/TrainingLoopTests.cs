using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Torch.Tests.Training;

public sealed class TrainingLoopTests : TempDirectoryTest
{

    [Fact]
    public void LinearScheduleWarmsUpThenDecaysToZero()
    {
        var s = new LinearWarmupSchedule(1e-3, 10, 110);
        Assert.Equal(0, s.At(0));
        AssertClose.Equal(5e-4, s.At(5), abs: 1e-12);
        AssertClose.Equal(1e-3, s.At(10), abs: 1e-12);
        AssertClose.Equal(5e-4, s.At(60), abs: 1e-12);
        Assert.Equal(0, s.At(110));
    }

    static TextClassificationTrainer.Options Options(Action<TextClassificationTrainer.Options>? edit = null)
    {
        var o = TestData.Tiny(new TextClassificationTrainer.Options());
        o.NumberOfEpochs = 3;
        edit?.Invoke(o);
        return o;
    }

    [Fact]
    public void ProgressCountsStepsAndEpochs()
    {
        var ml = new MLContext();
        var reports = new List<TrainingProgress>();
        var o = Options(o => { o.BatchSize = 5; o.GradientAccumulationSteps = 2; o.Progress = new SyncProgress<TrainingProgress>(reports.Add); });
        ml.Llm().TextClassification(o).Fit(TestData.Load(ml, TestData.Sentiment(24)));
        // 24 rows / 5 = 5 batches, 3 optimizer steps per epoch with accumulation 2.
        Assert.Equal(9, reports.Count(r => !r.IsEpochEnd));
        Assert.Equal([1, 2, 3], reports.Where(r => r.IsEpochEnd).Select(r => r.Epoch));
        Assert.All(reports, r => Assert.Equal(9, r.TotalSteps));
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), reports.Where(r => !r.IsEpochEnd).Select(r => r.Step));
        Assert.All(reports, r => Assert.True(r.Loss > 0 && r.SamplesPerSecond > 0));
        Assert.Equal(TimeSpan.Zero, reports[^1].EstimatedRemaining);
    }

    [Fact]
    public void CancelledRunResumesFromItsCheckpointToTheSameModel()
    {
        var ml = new MLContext();
        var rows = TestData.Sentiment(40);
        var data = TestData.Load(ml, rows);
        var straight = ml.Llm().TextClassification(Options(o => o.CheckpointDirectory = PathOf("a"))).Fit(data);
        var expected = straight.Transform(data).GetColumn<float>("Score").ToArray();

        using var cts = new CancellationTokenSource();
        string ckpt = PathOf("b");
        var interrupted = Options(o =>
        {
            o.CheckpointDirectory = ckpt;
            o.CancellationToken = cts.Token;
            o.Progress = new SyncProgress<TrainingProgress>(p => { if (p.Step == 7) cts.Cancel(); }); // mid-epoch 2 (5 steps per epoch)
        });
        Assert.ThrowsAny<OperationCanceledException>(() => ml.Llm().TextClassification(interrupted).Fit(data));
        Assert.True(Directory.Exists(Path.Combine(ckpt, "checkpoint")));

        var steps = new List<long>();
        var resumed = ml.Llm().TextClassification(Options(o =>
        {
            o.CheckpointDirectory = ckpt;
            o.Progress = new SyncProgress<TrainingProgress>(p => { if (!p.IsEpochEnd) steps.Add(p.Step); });
        })).Fit(data);
        Assert.Equal(8, steps[0]); // continued after step 7
        var actual = resumed.Transform(data).GetColumn<float>("Score").ToArray();
        for (int i = 0; i < expected.Length; i++) AssertClose.Equal(expected[i], actual[i], abs: 1e-4);

        // A checkpoint from other data is refused with a clear message.
        var other = TestData.Load(ml, TestData.Sentiment(40, seed: 77));
        var ex = Assert.Throws<InvalidOperationException>(() => ml.Llm().TextClassification(Options(o => o.CheckpointDirectory = ckpt)).Fit(other));
        Assert.Contains("another run", ex.Message);
    }

    [Fact]
    public void AlreadyCancelledTokenStopsBeforeTraining()
    {
        var ml = new MLContext();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ml.Llm().TextClassification(Options(o => o.CancellationToken = cts.Token)).Fit(TestData.Load(ml, TestData.Sentiment(8))));
    }

    [Fact]
    public void EarlyStoppingStopsWhenValidationLossGetsWorse()
    {
        var ml = new MLContext();
        var train = TestData.Sentiment(32);
        // Validation labels are the opposite of what training teaches, so validation loss rises after the first epoch.
        var valid = TestData.Sentiment(16, seed: 5).Select(r => new TextRow { Text = r.Text, Label = !r.Label }).ToList();
        var epochs = new List<TrainingProgress>();
        ml.Llm().TextClassification(Options(o =>
        {
            o.NumberOfEpochs = 8;
            o.EarlyStoppingPatience = 2;
            o.ValidationData = TestData.Load(ml, valid);
            o.Progress = new SyncProgress<TrainingProgress>(p => { if (p.IsEpochEnd) epochs.Add(p); });
        })).Fit(TestData.Load(ml, train));
        Assert.True(epochs.Count < 8, $"ran {epochs.Count} epochs");
        Assert.All(epochs, e => Assert.NotNull(e.ValidationLoss));
        Assert.Throws<ArgumentException>(() => ml.Llm().TextClassification(Options(o => o.EarlyStoppingPatience = 1)).Fit(TestData.Load(ml, train)));
    }

    [Fact]
    public void MemoryStaysFlatAcrossEpochs()
    {
        var ml = new MLContext();
        var rss = new Dictionary<int, long>();
        ml.Llm().TextClassification(Options(o =>
        {
            o.NumberOfEpochs = 5;
            o.Progress = new SyncProgress<TrainingProgress>(p =>
            {
                if (!p.IsEpochEnd) return;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                using var proc = Process.GetCurrentProcess();
                rss[p.Epoch] = proc.WorkingSet64;
            });
        })).Fit(TestData.Load(ml, TestData.Sentiment(64)));
        long growth = rss[5] - rss[1];
        Assert.True(growth < 40L << 20, $"RSS grew by {growth >> 20} MB between epoch 1 and 5");
    }
}
