namespace MLNetLlm.Cli.Evaluation;

/// <summary>What a <c>train</c> run's selection did, for metrics.json and the report: trials, fidelities, the baseline rule, balancing.</summary>
internal sealed class SearchSummary
{
    /// <summary>The metric trials were selected by (metrics.json name), on the validation data.</summary>
    public required string SelectedBy { get; init; }

    /// <summary>Trials started (every fidelity; a classic run has one).</summary>
    public int TrialsStarted { get; init; }

    /// <summary>Trials completed.</summary>
    public int TrialsCompleted { get; init; }

    /// <summary>The fidelities (shares of the training rows) trials ran at, ascending; [1] without successive halving.</summary>
    public IReadOnlyList<double> Fidelities { get; init; } = [1.0];

    /// <summary>Trials started per fidelity, in the order of <see cref="Fidelities"/>.</summary>
    public IReadOnlyList<int> TrialsPerFidelity { get; init; } = [];

    /// <summary>Proposals and promotions the cost model skipped (predicted not to finish in the time left).</summary>
    public int SkippedProposals { get; init; }

    /// <summary>Whether the default pipeline (the first trial) was returned because no trial beat it by more than the noise.</summary>
    public bool? DefaultKept { get; init; }

    /// <summary>The baseline rule's outcome, in a sentence.</summary>
    public string? Baseline { get; init; }

    /// <summary>Largest class ÷ smallest class in the training rows (classification).</summary>
    public double? ImbalanceRatio { get; init; }

    /// <summary>How the training rows were balanced: none, a fixed method, or "searched (…)".</summary>
    public string? Balance { get; init; }

    /// <summary>Why the search stopped.</summary>
    public string? StopReason { get; init; }
}
