using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.DefaultSpaces;

/// <summary>The searched options of ML.NET's LightGBM trainers.</summary>
public sealed class LightGbmSearchOptions
{
    /// <summary>Boosting rounds; [10, 500], log scale. Default 100.</summary>
    [Range(10, 500, logBase: true)]
    public int NumberOfIterations { get; set; } = 100;

    /// <summary>Leaves per tree; [4, 128], log scale. Default 31.</summary>
    [Range(4, 128, logBase: true)]
    public int NumberOfLeaves { get; set; } = 31;

    /// <summary>Minimum rows per leaf; [2, 64], log scale. Default 20. An upper bound: halved until the first tree can split (on small data a large value allows none).</summary>
    [Range(2, 64, logBase: true)]
    public int MinimumExampleCountPerLeaf { get; set; } = 20;

    /// <summary>
    /// Learning rate; [0.01, 0.5], log scale. Default 0.1. (Below 0.01 a short run barely leaves its prior: a trial with
    /// 0.002 and 16 rounds predicted only ham.)
    /// </summary>
    [Range(0.01, 0.5, logBase: true)]
    public double LearningRate { get; set; } = 0.1;

    /// <summary>L2 regularisation of leaf values; [1e-6, 10], log scale. Default 0.01.</summary>
    [Range(1e-6, 10.0, logBase: true)]
    public double L2Regularization { get; set; } = 0.01;

    /// <summary>Fraction of features per tree; [0.3, 1]. Default 1.</summary>
    [Range(0.3, 1.0)]
    public double FeatureFraction { get; set; } = 1.0;

    /// <summary>
    /// Features kept by the selection in front of the trainer (<see cref="TreeFeatureSelection"/>: slots present in at
    /// least 3 rows, then the most informative about the label); [100, 5000], log scale. Default 1,000. Only searched and
    /// used when the trainer's stage is created with <c>selectFeatures: true</c> (for sparse n-gram features, where the
    /// trees' data preparation and split search scale with the number of slots).
    /// </summary>
    [Range(100, 5000, logBase: true)]
    public int MaximumFeatures { get; set; } = 1000;
}
