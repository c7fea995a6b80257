namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// A learned cost model: how many seconds a trial of a pipeline takes per training row, from the trials that ran
/// (completed, or failed for running out of time: a lower bound). Each pipeline (the trainer and steps a parameter
/// picks, <see cref="TrialResult.Pipeline"/>) has its own rate, the median of its observations; a pipeline with none
/// yet gets no prediction (it runs, and is learned from). Seconds = rate × rows: linear in the rows, which the row
/// subsamples of successive halving measure cheaply before a full-size trial is started.
/// </summary>
internal sealed class TrialCostModel
{
    readonly object _gate = new();
    readonly Dictionary<string, List<double>> _rates = new(StringComparer.Ordinal);

    /// <summary>Records that a trial of <paramref name="pipeline"/> on <paramref name="rows"/> training rows took <paramref name="seconds"/>.</summary>
    public void Observe(string? pipeline, double rows, double seconds)
    {
        if (pipeline is null || !(rows > 0) || !(seconds > 0) || !double.IsFinite(seconds)) return;
        lock (_gate)
        {
            if (!_rates.TryGetValue(pipeline, out var list)) _rates[pipeline] = list = [];
            list.Add(seconds / rows);
        }
    }

    /// <summary>The predicted seconds of a trial of <paramref name="pipeline"/> on <paramref name="rows"/> rows; null when it was never seen.</summary>
    public double? Predict(string? pipeline, double rows)
    {
        if (pipeline is null) return null;
        lock (_gate)
        {
            if (!_rates.TryGetValue(pipeline, out var list) || list.Count == 0) return null;
            var sorted = list.Order().ToArray();
            double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
            return median * rows;
        }
    }

    /// <summary>Pipelines with at least one observation.</summary>
    public int Known { get { lock (_gate) return _rates.Count; } }
}
