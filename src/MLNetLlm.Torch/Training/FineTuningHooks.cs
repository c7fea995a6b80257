using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Training;

/// <summary>What <see cref="FineTuner"/> trains: a sequence model with its tokenizer, sequence length, device and task.</summary>
internal sealed record FineTuningTarget(BertForSequenceClassification Model, BertTextTokenizer Tokenizer, int MaxLength, Device Device, TextTask Task);

/// <summary>
/// One tokenized training batch on the training device: ids, attention mask and token types [B, T] int64, and the
/// targets [B] (class indices as int64 for classification, float32 values for regression). <see cref="Indices"/> are
/// the batch rows' positions in the training rows (in the validation rows when <see cref="IsValidation"/>), so a loss
/// can look up per-row data computed once, such as a teacher's outputs.
/// </summary>
internal sealed record TrainingBatch(Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds, Tensor Targets, TextTask Task,
    IReadOnlyList<int> Indices, bool IsValidation)
{
    public long Rows => InputIds.shape[0];
}

/// <summary>Computes the scalar loss of one batch from the model (called in train mode while training, eval mode for validation).</summary>
internal delegate Tensor TrainingLoss(BertForSequenceClassification model, TrainingBatch batch);

/// <summary>Sent after every optimizer step (masks, schedules and other per-step work act on <see cref="Model"/> here).</summary>
/// <param name="Step">Optimizer steps done so far over the run (1 after the first step).</param>
/// <param name="TotalSteps">Optimizer steps planned.</param>
/// <param name="Epoch">1-based epoch the step belongs to.</param>
/// <param name="LearningRate">Learning rate the step used.</param>
/// <param name="Loss">Mean loss of the batches of this step.</param>
internal sealed record TrainingStep(BertForSequenceClassification Model, long Step, long TotalSteps, int Epoch, double LearningRate, double Loss);

/// <summary>Sent at the end of every epoch, after validation (before the best weights are restored at the end of the run).</summary>
/// <param name="Epoch">1-based epoch just finished.</param>
/// <param name="TrainingLoss">Mean training loss over the epoch.</param>
/// <param name="ValidationLoss">Validation loss when there is validation data.</param>
internal sealed record TrainingEpoch(BertForSequenceClassification Model, int Epoch, long Step, double TrainingLoss, double? ValidationLoss);

/// <summary>
/// Extension points of <see cref="FineTuner"/>: a loss other than the task's (distillation), callbacks after each
/// optimizer step and each epoch (gradual pruning), and extra parameters optimised with the model (projections).
/// </summary>
internal sealed class FineTuningHooks
{
    /// <summary>The loss; null = the task's (cross-entropy for classification, MSE for regression): <see cref="FineTuner.TaskLoss"/>.</summary>
    public TrainingLoss? Loss { get; init; }

    /// <summary>Called after every optimizer step.</summary>
    public Action<TrainingStep>? StepCompleted { get; init; }

    /// <summary>Called at the end of every epoch.</summary>
    public Action<TrainingEpoch>? EpochCompleted { get; init; }

    /// <summary>
    /// Parameters outside the model that the loss uses and AdamW trains with it (they are not checkpointed, so a run
    /// with extra parameters cannot use a checkpoint directory).
    /// </summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> ExtraParameters { get; init; } = [];
}
