namespace MLNetLlm.Torch.Training;

/// <summary>One progress report of a transformer training run (sent after every optimizer step and at each epoch end).</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TotalEpochs">Epochs planned.</param>
/// <param name="Step">Optimizer steps done (over all epochs).</param>
/// <param name="TotalSteps">Optimizer steps planned.</param>
/// <param name="Loss">Mean training loss over the epoch so far.</param>
/// <param name="LearningRate">Learning rate of the last step.</param>
/// <param name="SamplesPerSecond">Training rows per second in this process.</param>
/// <param name="Elapsed">Time spent in this process.</param>
/// <param name="EstimatedRemaining">Time left at the current rate.</param>
/// <param name="IsEpochEnd">True for the report that closes an epoch.</param>
/// <param name="ValidationLoss">Validation loss, on epoch-end reports when there is a validation set.</param>
public sealed record TrainingProgress(
    int Epoch, int TotalEpochs, long Step, long TotalSteps, double Loss, double LearningRate, double SamplesPerSecond,
    TimeSpan Elapsed, TimeSpan EstimatedRemaining, bool IsEpochEnd, double? ValidationLoss)
{
    public override string ToString() =>
        $"epoch {Epoch}/{TotalEpochs} step {Step}/{TotalSteps} loss {Loss:F4} lr {LearningRate:E2} {SamplesPerSecond:F1} rows/s ETA {EstimatedRemaining:hh\\:mm\\:ss}" +
        (ValidationLoss is double v ? $" val_loss {v:F4}" : "");
}
