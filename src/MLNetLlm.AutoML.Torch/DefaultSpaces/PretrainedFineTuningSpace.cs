using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.AutoML.Torch.DefaultSpaces;

/// <summary>
/// The fine-tuning search space for a pretrained encoder (<see cref="TransformerTrainingOptions.PretrainedModelPath"/>
/// set), centred on the defaults that start: the learning rate is searched as a factor of the mode's default
/// (<see cref="TransformerTrainingOptions.LearningRateScale"/> 0.4–1.6: full fine-tuning 2e-5…8e-5, LoRA 2e-4…8e-4,
/// prompt tuning 1.2e-2…4.8e-2) instead of the from-scratch range 1e-5…1e-2, which would wreck pretrained weights at
/// its top; 2–6 epochs, batch 8–32, weight decay 0–0.1, warm-up 0–0.2, and the mode with its LoRA/prompt dimensions.
/// </summary>
/// <example>
/// <code>
/// pipeline.Append(auto.TextClassification(configure: o =&gt; o.PretrainedModelPath = "all-MiniLM-L6-v2",
///     searchSpace: PretrainedFineTuningSpace.Create()));
/// </code>
/// </example>
public static class PretrainedFineTuningSpace
{
    /// <summary>A new space (callers may remove or replace keys).</summary>
    public static SearchSpace Create()
    {
        var all = new SearchSpace<TextClassificationTrainer.Options>();
        var space = new SearchSpace
        {
            [nameof(TransformerTrainingOptions.Mode)] = all[nameof(TransformerTrainingOptions.Mode)],
            [nameof(TransformerTrainingOptions.LearningRateScale)] = new UniformDoubleOption(0.4, 1.6, logBase: true, defaultValue: 1.0),
            [nameof(TransformerTrainingOptions.NumberOfEpochs)] = new UniformIntOption(2, 6, defaultValue: 3),
            [nameof(TransformerTrainingOptions.BatchSize)] = new UniformIntOption(8, 32, logBase: true, defaultValue: 16),
            [nameof(TransformerTrainingOptions.MaxLength)] = all[nameof(TransformerTrainingOptions.MaxLength)],
            [nameof(TransformerTrainingOptions.WeightDecay)] = new UniformDoubleOption(0.0, 0.1, defaultValue: 0.01),
            [nameof(TransformerTrainingOptions.WarmupFraction)] = new UniformDoubleOption(0.0, 0.2, defaultValue: 0.1),
        };
        foreach (var key in new[] { nameof(TransformerTrainingOptions.LoraRank), nameof(TransformerTrainingOptions.LoraAlpha),
                                    nameof(TransformerTrainingOptions.LoraDropout), nameof(TransformerTrainingOptions.PromptTokens) })
            space[key] = all[key];
        return space;
    }
}
