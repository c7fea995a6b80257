using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.DefaultSpaces;

/// <summary>The searched options of ML.NET's SDCA trainers (logistic regression, maximum entropy, regression).</summary>
public sealed class SdcaSearchOptions
{
    /// <summary>L2 regularisation; searched in [1e-6, 10] on a log scale. Default 1e-4.</summary>
    [Range(1e-6, 10.0, logBase: true)]
    public float L2Regularization { get; set; } = 1e-4f;

    /// <summary>L1 regularisation; searched in [1e-6, 10] on a log scale. Default 1e-6.</summary>
    [Range(1e-6, 10.0, logBase: true)]
    public float L1Regularization { get; set; } = 1e-6f;

    /// <summary>Passes over the data; searched in [5, 100] on a log scale. Default 10.</summary>
    [Range(5, 100, logBase: true)]
    public int MaximumNumberOfIterations { get; set; } = 10;

    /// <summary>
    /// Whether L2, L1 and the number of passes are left to ML.NET, which derives them from the data (what the trainer
    /// does when called with no arguments); the three searched values above are then ignored. Default false.
    /// </summary>
    [BooleanChoice]
    public bool UseTrainerDefaults { get; set; }

    internal float? L2 => UseTrainerDefaults ? null : L2Regularization;
    internal float? L1 => UseTrainerDefaults ? null : L1Regularization;
    internal int? Iterations => UseTrainerDefaults ? null : MaximumNumberOfIterations;
}
