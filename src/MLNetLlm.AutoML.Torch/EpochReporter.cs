using MLNetLlm.AutoML.Experiments;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.AutoML.Torch;

/// <summary>Forwards epoch-end validation losses to the trial (synchronously, so a prune stops training at once).</summary>
internal sealed class EpochReporter(TrialContext trial, IProgress<TrainingProgress>? next) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value)
    {
        next?.Report(value);
        if (value.IsEpochEnd && value.ValidationLoss is double loss) trial.ReportLoss(value.Epoch, loss);
    }
}
