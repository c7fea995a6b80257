namespace MLNetLlm.Continual;

/// <summary>Options of <see cref="LinearWarmStart"/>: which trainer made the model, and how far to continue it.</summary>
public sealed class LinearWarmStartOptions
{
    /// <summary>
    /// The ML.NET trainer that made the model, by its catalogue name (required): <c>LbfgsLogisticRegression</c>,
    /// <c>LbfgsMaximumEntropy</c>, <c>LbfgsPoissonRegression</c>, <c>AveragedPerceptron</c>,
    /// <c>OnlineGradientDescent</c>, <c>SdcaLogisticRegression</c> or <c>SdcaMaximumEntropy</c> (the SDCA models are
    /// continued by L-BFGS of the same loss; see <see cref="LinearWarmStart"/>). Any other name is refused.
    /// </summary>
    public string Trainer { get; set; } = "";

    /// <summary>The label column of the new rows (default <c>Label</c>; a key for the multiclass trainers).</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The feature vector column, made by the old model's own featurizer (default <c>Features</c>).</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>An optional per-row weight column (default null: every row weighs 1).</summary>
    public string? ExampleWeightColumnName { get; set; }

    /// <summary>
    /// How long to continue: the L-BFGS trainers' maximum number of iterations, the online trainers' passes over the
    /// new rows. Default null: 100 L-BFGS iterations (it may stop earlier at ML.NET's convergence tolerance), 1 online pass.
    /// </summary>
    public int? NumberOfIterations { get; set; }

    /// <summary>
    /// L-BFGS trainers: the L1 weight, in ML.NET's units (the objective is (Σ losses + L1·|w|₁ + L2/2·‖w‖²) / rows).
    /// Default 0. ML.NET's own default of 1 is strong on a few hundred rows and pulls the continued weights to zero.
    /// </summary>
    public float L1Regularization { get; set; }

    /// <summary>L-BFGS trainers: the L2 weight, in the same units as <see cref="L1Regularization"/>. Default 0.01 (ML.NET's own: 1).</summary>
    public float L2Regularization { get; set; } = 0.01f;

    /// <summary>Online trainers (averaged perceptron, online gradient descent): the learning rate. Default null: ML.NET's (1 and 0.1).</summary>
    public float? LearningRate { get; set; }

    /// <summary>Threads of the L-BFGS trainers (default 1, so a run is reproducible).</summary>
    public int NumberOfThreads { get; set; } = 1;
}
