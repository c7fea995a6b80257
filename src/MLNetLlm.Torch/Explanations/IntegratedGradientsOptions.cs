namespace MLNetLlm.Torch.Explanations;

/// <summary>Options of integrated gradients over the input word embeddings (Sundararajan et al., 2017).</summary>
public sealed class IntegratedGradientsOptions
{
    /// <summary>Intervals of the path integral (m); the trapezoid rule evaluates m + 1 points. Default 50.</summary>
    public int Steps { get; set; } = 50;

    /// <summary>The baseline input. Default <see cref="IntegratedGradientsBaseline.Pad"/>.</summary>
    public IntegratedGradientsBaseline Baseline { get; set; } = IntegratedGradientsBaseline.Pad;

    /// <summary>Multiclass: the class index to explain. Default null: the predicted class.</summary>
    public int? TargetClass { get; set; }

    /// <summary>Path points evaluated per forward/backward pass. Default 16.</summary>
    public int BatchSize { get; set; } = 16;

    internal void Validate()
    {
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Integrated gradients need at least 1 step.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
    }
}
