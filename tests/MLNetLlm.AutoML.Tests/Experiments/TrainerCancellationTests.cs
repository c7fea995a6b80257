using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.DefaultSpaces;
using MLNetLlm.AutoML.Experiments;

namespace MLNetLlm.AutoML.Tests.Experiments;

/// <summary>
/// A timed-out trial sets its MLContext's cancel flag; the tree trainers must then stop instead of training on with the
/// core. Cancellation is triggered by the trainer's own log message of the phase under test (so no timing is involved),
/// and the trainers are given far more iterations than could finish soon: a trainer that ignores the flag completes
/// its fit and the test fails.
/// </summary>
public sealed class TrainerCancellationTests
{
    sealed class Row
    {
        public bool Label { get; set; }
        [VectorType(Slots)] public float[] Features { get; set; } = [];
    }

    const int Slots = 40;

    static IDataView Data(MLContext ml)
    {
        var rng = new Random(5);
        var rows = Enumerable.Range(0, 400).Select(_ =>
        {
            bool y = rng.NextDouble() < 0.5;
            var f = new float[Slots];
            for (int j = 0; j < Slots; j++) f[j] = (float)(rng.NextDouble() + (y && j < 4 ? 0.3 : 0));
            return new Row { Label = y, Features = f };
        }).ToList();
        return ml.Data.Cache(ml.Data.LoadFromEnumerable(rows));
    }

    static IEstimator<ITransformer> Trainer(MLContext ml, string trainer) => trainer == "lightgbm"
        ? ml.BinaryClassification.Trainers.LightGbm(AutoCatalog.Fill(new Microsoft.ML.Trainers.LightGbm.LightGbmBinaryTrainer.Options(),
            new LightGbmSearchOptions { NumberOfIterations = 100_000, LearningRate = 0.01, MinimumExampleCountPerLeaf = 2 }, "Label", "Features", 1))
        : ml.BinaryClassification.Trainers.FastTree(AutoCatalog.Fill(new Microsoft.ML.Trainers.FastTree.FastTreeBinaryTrainer.Options(),
            new FastTreeSearchOptions { NumberOfTrees = 2_000, LearningRate = 0.01, MinimumExampleCountPerLeaf = 2 }, "Label", "Features", 1));

    [Fact]
    public void TheCancelFlagIsFoundOnThisMLNetVersion() => Assert.True(MLContextCancellation.IsSupported);

    [Theory]
    [InlineData("lightgbm", "Loading data for LightGBM")] // reading the rows into LightGBM's dataset
    [InlineData("lightgbm", "Training with LightGBM")]    // boosting
    [InlineData("fasttree", "Making per-feature arrays")] // binning
    [InlineData("fasttree", "Starting to train")]        // boosting
    public void ACancelledContextStopsTheTreeTrainer(string trainer, string phaseMessage)
    {
        var ml = new MLContext(1);
        var data = Data(ml);
        int cancels = 0;
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains(phaseMessage, StringComparison.Ordinal) && Interlocked.Exchange(ref cancels, 1) == 0)
                _ = Task.Run(() => MLContextCancellation.CancelExecution(ml)); // not inside ML.NET's logging call
        };
        var e = Record.Exception(() => Trainer(ml, trainer).Fit(data));
        Assert.Equal(1, cancels);
        Assert.NotNull(e);
        Assert.True(IsCancellation(e), e.ToString());
    }

    [Fact]
    public async Task AnAbandonedTrialsThreadEndsWithTheCancellationInsteadOfTrainingOn()
    {
        var ml = new MLContext(1);
        var data = Data(ml);
        using var cts = new CancellationTokenSource();
        ml.Log += (_, e) => { if (e.Message.Contains("Starting to train", StringComparison.Ordinal)) _ = Task.Run(cts.Cancel); };
        var ended = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => OwnThreadWork.RunAsync(() =>
        {
            try
            {
                var model = Trainer(ml, "fasttree").Fit(data);
                ended.SetResult(null);
                return model;
            }
            catch (Exception e)
            {
                ended.SetResult(e);
                throw;
            }
        }, ml, m => m as IDisposable, cts.Token));
        // the caller gave up at once; the trial's own thread must now end by the cancellation, not by finishing 2,000
        // trees (the wait only guards against a hang)
        var outcome = await ended.Task.WaitAsync(TimeSpan.FromMinutes(5));
        Assert.NotNull(outcome);
        Assert.True(IsCancellation(outcome), outcome.ToString());
    }

    /// <summary>ML.NET's cancellation: an <see cref="OperationCanceledException"/>, wrapped when thrown in FastTree's parallel tasks.</summary>
    static bool IsCancellation(Exception e) =>
        e is OperationCanceledException || e is AggregateException a && a.Flatten().InnerExceptions.All(IsCancellation)
        || e.InnerException is { } inner && IsCancellation(inner);
}
