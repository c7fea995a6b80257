using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Torch.Compression.Bert;

/// <summary>Runs <see cref="PruningOptions"/> on a copy of a fine-tuned model.</summary>
internal static class BertPruning
{
    /// <summary>Structured pruning first, then gradual magnitude pruning during recovery fine-tuning; returns the pruned copy.</summary>
    public static BertForSequenceClassification Run(CompressionSource source, TrainingRows data, PruningOptions o, CancellationToken cancellation = default)
    {
        o.Validate();
        var model = BertCompression.Clone(source.Model);
        try
        {
            if (o.HeadFraction > 0 || o.FeedForwardFraction > 0) BertCompression.PruneStructured(model, o.HeadFraction, o.FeedForwardFraction);
            GradualPruner? gradual = null;
            MagnitudePruner? pruner = o.Sparsity > 0 ? BertCompression.MagnitudePruner(model, o.Scope) : null;
            if (o.RecoveryEpochs > 0)
            {
                if (pruner is not null)
                {
                    int steps = (data.Count + o.BatchSize - 1) / o.BatchSize * o.RecoveryEpochs;
                    int end = Math.Max(1, (int)Math.Round(steps * 2.0 / 3));
                    gradual = new GradualPruner(pruner, new GradualPruningSchedule(o.Sparsity, 0, end, frequency: Math.Min(o.PruningFrequency, end)));
                }
                var hooks = gradual is null ? null : new FineTuningHooks { StepCompleted = s => gradual.OnStepEnd((int)(s.Step - 1)) };
                BertCompression.FineTune(source, model, data, o.RecoveryEpochs, o.LearningRate, o.BatchSize, o.Seed, o.Progress, hooks, cancellation);
            }
            if (gradual is not null) gradual.Finish();
            else pruner?.Prune(o.Sparsity);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
