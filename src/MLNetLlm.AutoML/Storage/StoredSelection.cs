using MLNetLlm.AutoML.Experiments;

namespace MLNetLlm.AutoML.Storage;

/// <summary>What a selection re-evaluates: settings checked on resume, and the candidates' trial numbers in evaluation order.</summary>
/// <param name="Folds">Cross-validation folds.</param>
/// <param name="TopTrials">How many holdout leaders were asked for (the always-included trials come on top).</param>
/// <param name="Seed">The seed of the fold split and of each fold's context (seed + trial number).</param>
/// <param name="Candidates">Trial numbers, in evaluation order.</param>
internal sealed record SelectionPlan(int Folds, int TopTrials, int Seed, IReadOnlyList<int> Candidates);

/// <summary>How one fold ended.</summary>
internal sealed record FoldOutcome(TrialStatus Status, double Metric, TimeSpan Duration, long PeakMemoryBytes, string? Error);

/// <summary>A study's stored selection: its plan and each candidate's state, folds included.</summary>
internal sealed record StoredSelection(int Folds, int TopTrials, int Seed, IReadOnlyList<StoredCandidate> Candidates);

/// <summary>One fold job of a candidate.</summary>
internal sealed record StoredFold
{
    public long Id { get; init; }

    /// <summary>The candidate's place in evaluation order (0, 1, …).</summary>
    public int Position { get; init; }

    public int TrialNumber { get; init; }

    /// <summary>The fold (0 … folds − 1).</summary>
    public int Fold { get; init; }

    /// <summary>Queued, Running, Completed, Failed, or Pruned (not run because another fold of the candidate failed).</summary>
    public TrialStatus Status { get; init; }

    public double Metric { get; init; } = double.NaN;
    public TimeSpan Duration { get; init; }
    public long PeakMemoryBytes { get; init; }
    public string? Error { get; init; }
    public string? Worker { get; init; }
    public int Attempts { get; init; }
}

/// <summary>
/// A candidate's state, derived from its folds by <see cref="From"/> (the one rule every storage uses, also for the
/// summary the SQL storages keep in automl_cv_candidates).
/// </summary>
internal sealed record StoredCandidate(int Position, int TrialNumber, TrialStatus Status, double Mean, double StandardDeviation,
    TimeSpan Duration, long PeakMemoryBytes, string? Error, IReadOnlyList<StoredFold> Folds)
{
    /// <summary>The metrics of the completed folds, in fold order.</summary>
    public IReadOnlyList<double> FoldMetrics => Folds.Where(f => f.Status == TrialStatus.Completed).OrderBy(f => f.Fold).Select(f => f.Metric).ToArray();

    /// <summary>The sample standard deviation (n − 1 in the denominator; 0 for one value, NaN for none).</summary>
    public static double SampleStandardDeviation(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return values.Count == 1 ? 0 : double.NaN;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>
    /// Completed when all <paramref name="folds"/> folds completed (mean and sample standard deviation of their
    /// metrics); Failed when one failed (the lowest such fold's error); else Queued (unfinished). Duration: the sum
    /// over finished folds; peak memory: their maximum.
    /// </summary>
    public static StoredCandidate From(int position, int trialNumber, int folds, IEnumerable<StoredFold> jobs)
    {
        var mine = jobs.Where(f => f.Position == position).OrderBy(f => f.Fold).ToArray();
        var done = mine.Where(f => f.Status is TrialStatus.Completed or TrialStatus.Failed).ToArray();
        var values = mine.Where(f => f.Status == TrialStatus.Completed).Select(f => f.Metric).ToArray();
        var failed = mine.FirstOrDefault(f => f.Status == TrialStatus.Failed);
        var status = failed is not null ? TrialStatus.Failed : values.Length == folds ? TrialStatus.Completed : TrialStatus.Queued;
        double mean = double.NaN, std = double.NaN;
        if (status == TrialStatus.Completed)
        {
            mean = values.Average();
            std = SampleStandardDeviation(values);
        }
        return new StoredCandidate(position, trialNumber, status, mean, std, TimeSpan.FromTicks(done.Sum(f => f.Duration.Ticks)),
            done.Select(f => f.PeakMemoryBytes).DefaultIfEmpty(0).Max(), failed?.Error, mine);
    }
}
