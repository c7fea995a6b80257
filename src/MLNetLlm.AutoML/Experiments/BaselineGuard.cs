using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// The noise tests of <see cref="AutoMLExperiment.SetBaseline"/>: is the pick better than the baseline by more than
/// chance? With a holdout, a paired bootstrap over the validation rows (both models scored on the same resampled rows,
/// the metric recomputed each time); with cross-validation, a paired one-sided t bound over the folds.
/// </summary>
internal static class BaselineGuard
{
    /// <summary>
    /// The pick's advantage in the metric's better direction on the scored validation views (same rows, same order),
    /// and its one-sided <paramref name="confidence"/> lower bound from <paramref name="samples"/> paired resamples.
    /// </summary>
    public static (double Improvement, double LowerBound, string Method) Bootstrap(MLContext context, ExperimentMetric metric, IDataView pickScored,
        IDataView baselineScored, int samples, double confidence, int seed)
    {
        var pick = Compact(pickScored);
        var baseline = Compact(baselineScored);
        if (pick.RowCount != baseline.RowCount) throw new InvalidOperationException($"The scored views differ in rows ({pick.RowCount} vs {baseline.RowCount}).");
        double sign = metric.Maximize ? 1 : -1;
        double observed = sign * (metric.Evaluate(context, pick) - metric.Evaluate(context, baseline));
        var rnd = new Random(seed);
        int n = pick.RowCount;
        var diffs = new List<double>(samples);
        var rows = new int[n];
        for (int b = 0; b < samples; b++)
        {
            for (int i = 0; i < n; i++) rows[i] = rnd.Next(n);
            double d;
            try { d = sign * (metric.Evaluate(context, pick.SelectRows(rows)) - metric.Evaluate(context, baseline.SelectRows(rows))); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { continue; } // a degenerate resample (one class only)
            if (double.IsFinite(d)) diffs.Add(d);
        }
        if (diffs.Count == 0) return (observed, double.NaN, $"paired bootstrap over {n} validation rows: no resample could be scored");
        diffs.Sort();
        double lower = diffs[(int)Math.Floor((1 - confidence) * (diffs.Count - 1))];
        return (observed, lower, $"paired bootstrap over {n} validation rows, {diffs.Count} resamples");
    }

    /// <summary>The pick's mean advantage over the folds and the one-sided Student-t lower bound of it.</summary>
    public static (double Improvement, double LowerBound, string Method) PairedFolds(IReadOnlyList<double> pick, IReadOnlyList<double> baseline, bool maximize, double confidence)
    {
        int k = Math.Min(pick.Count, baseline.Count);
        double sign = maximize ? 1 : -1;
        var d = Enumerable.Range(0, k).Select(i => sign * (pick[i] - baseline[i])).ToArray();
        double mean = d.Average();
        if (k < 2) return (mean, double.NaN, $"{k} fold: no spread to measure");
        double sd = Math.Sqrt(d.Sum(v => (v - mean) * (v - mean)) / (k - 1));
        double t = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, k - 1, confidence);
        return (mean, mean - t * sd / Math.Sqrt(k), $"paired t over {k} folds");
    }

    /// <summary>The scored view without the columns no metric reads (text, and vectors other than Score), in memory.</summary>
    static InMemoryDataView Compact(IDataView scored)
    {
        var drop = scored.Schema.Where(c => !c.IsHidden && (c.Type is TextDataViewType || c.Type is VectorDataViewType && c.Name != "Score"))
            .Select(c => c.Name).Distinct().ToArray();
        var view = drop.Length == 0 ? scored : new MLContext(0).Transforms.DropColumns(drop).Fit(scored).Transform(scored);
        return InMemoryDataView.Materialize(view);
    }
}
