using System.Globalization;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Cli.Progress;

/// <summary>Forwards a transformer trainer's step/epoch reports to the run's progress bar, on the trainer's thread.</summary>
internal sealed class EpochProgress(IRunProgress progress) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p)
    {
        double fraction = p.TotalSteps == 0 ? 0 : (double)p.Step / p.TotalSteps;
        string note = string.Create(CultureInfo.InvariantCulture,
            $"epoch {p.Epoch}/{p.TotalEpochs}, step {p.Step}/{p.TotalSteps}, loss {p.Loss:0.0000}{(p.ValidationLoss is { } v ? $", validation loss {v:0.0000}" : "")}, {p.EstimatedRemaining.TotalSeconds:0}s left");
        progress.StepProgress(fraction, note);
    }
}
