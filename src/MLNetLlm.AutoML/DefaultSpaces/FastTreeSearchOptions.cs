using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.DefaultSpaces;

/// <summary>The searched options of ML.NET's FastTree (boosted trees) trainers.</summary>
public sealed class FastTreeSearchOptions
{
    /// <summary>
    /// Trees; [10, 200], log scale. Default 100. (FastTree costs about 0.3–1 CPU second per tree on 4,824 mails × a few
    /// thousand n-gram slots, so 500 trees did not fit a 150-second trial: docs/benchmarks.md "Tree learners".)
    /// </summary>
    [Range(10, 200, logBase: true)]
    public int NumberOfTrees { get; set; } = 100;

    /// <summary>Leaves per tree; [4, 128], log scale. Default 20.</summary>
    [Range(4, 128, logBase: true)]
    public int NumberOfLeaves { get; set; } = 20;

    /// <summary>Minimum rows per leaf; [2, 64], log scale. Default 10.</summary>
    [Range(2, 64, logBase: true)]
    public int MinimumExampleCountPerLeaf { get; set; } = 10;

    /// <summary>Learning rate; [0.01, 0.5], log scale. Default 0.2. (Below 0.01 a 10–200-tree model barely leaves its prior.)</summary>
    [Range(0.01, 0.5, logBase: true)]
    public double LearningRate { get; set; } = 0.2;

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
