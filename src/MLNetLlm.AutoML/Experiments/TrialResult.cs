using Microsoft.ML;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>The outcome of one trial: metric, loss (what tuners minimise), duration, memory, and the model.</summary>
public sealed class TrialResult
{
    /// <summary>The trial's settings.</summary>
    public required TrialSettings TrialSettings { get; init; }

    /// <summary>How it ended.</summary>
    public TrialStatus Status { get; init; } = TrialStatus.Completed;

    /// <summary>The metric on the validation data (mean over folds for cross-validation); NaN unless completed.</summary>
    public double Metric { get; init; } = double.NaN;

    /// <summary>The metric turned into "lower is better" (the metric itself, or its negative when it is maximised).</summary>
    public double Loss { get; init; } = double.NaN;

    /// <summary>The metric of each cross-validation fold (empty for a holdout split).</summary>
    public IReadOnlyList<double> FoldMetrics { get; init; } = [];

    /// <summary>The trained model (null for stored trials, failed trials, and trials not kept in memory).</summary>
    public ITransformer? Model { get; init; }

    /// <summary>The share of the training rows the trial trained on (1 = all; less on successive halving's lower rungs).</summary>
    public double Fidelity { get; init; } = 1;

    /// <summary>Wall-clock duration of the trial.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The process's peak working set seen while the trial ran, in bytes (process-wide when trials run in parallel).</summary>
    public long PeakMemoryBytes { get; init; }

    /// <summary>Why the trial failed or was pruned.</summary>
    public string? Error { get; init; }

    /// <summary>A readable description of the pipeline the parameter chose (e.g. "featurize ⇒ sdca").</summary>
    public string? Pipeline { get; init; }

    /// <summary>Whether the trial completed with a finite loss.</summary>
    public bool IsSuccess => Status == TrialStatus.Completed && double.IsFinite(Loss);
}
