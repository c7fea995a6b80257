using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Storage;

/// <summary>One trial as stored: parameters, status, metric, duration, peak memory, who ran it and how often.</summary>
public sealed record StoredTrial
{
    /// <summary>The storage's id of the trial.</summary>
    public long Id { get; init; }

    /// <summary>The trial's number in its study (1, 2, …).</summary>
    public int Number { get; init; }

    /// <summary>Its status.</summary>
    public TrialStatus Status { get; init; }

    /// <summary>The proposed parameter.</summary>
    public required Parameter Parameter { get; init; }

    /// <summary>The parameter's <see cref="Parameter.Hash"/> (what the storage indexes, to find repeated parameters).</summary>
    public string ParameterHash => Parameter.Hash;

    /// <summary>The pipeline the parameter picks, as text.</summary>
    public string? Pipeline { get; init; }

    /// <summary>The metric (NaN unless completed).</summary>
    public double Metric { get; init; } = double.NaN;

    /// <summary>The loss (NaN unless completed).</summary>
    public double Loss { get; init; } = double.NaN;

    /// <summary>The metric of each cross-validation fold of a k-fold experiment's trial (empty for a holdout split).</summary>
    public IReadOnlyList<double> FoldMetrics { get; init; } = [];

    /// <summary>
    /// The share of the training rows the trial trained on (successive halving's low-fidelity rungs), in (0, 1];
    /// 1 (every row) for trials of experiments without successive halving and of databases written before it.
    /// </summary>
    public double Fidelity { get; init; } = 1;

    /// <summary>How long the last attempt took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Peak working set of the process while it ran, in bytes.</summary>
    public long PeakMemoryBytes { get; init; }

    /// <summary>Why it failed or was pruned.</summary>
    public string? Error { get; init; }

    /// <summary>The worker that holds or last held it.</summary>
    public string? Worker { get; init; }

    /// <summary>How many times a worker started it.</summary>
    public int Attempts { get; init; }

    /// <summary>Whether it is finished (completed, failed or pruned; a cancelled trial runs again when the study resumes).</summary>
    public bool IsFinished => Status is TrialStatus.Completed or TrialStatus.Failed or TrialStatus.Pruned;

    /// <summary>When its last attempt started (UTC), if known.</summary>
    public DateTimeOffset? StartedAtUtc { get; init; }

    /// <summary>The trial as a <see cref="TrialResult"/> (without a model).</summary>
    public TrialResult ToResult() => new()
    {
        TrialSettings = new TrialSettings { TrialId = Number, Parameter = Parameter, StartedAtUtc = StartedAtUtc ?? DateTimeOffset.UtcNow, Fidelity = Fidelity },
        Fidelity = Fidelity,
        Status = Status,
        Metric = Metric,
        Loss = Loss,
        FoldMetrics = FoldMetrics,
        Duration = Duration,
        PeakMemoryBytes = PeakMemoryBytes,
        Error = Error,
        Pipeline = Pipeline,
    };
}
