using MLNetLlm.Cli.Evaluation;
using ScottPlot;

namespace MLNetLlm.Cli.Reporting;

/// <summary>The report's plots, drawn with ScottPlot as PNG bytes.</summary>
internal static class ReportCharts
{
    const int Width = 640, Height = 400;

    /// <summary>The primary metric of every completed trial, by trial number.</summary>
    public static byte[] MetricPerTrial(string metric, IReadOnlyList<TrialResult> trials)
    {
        var plot = new Plot();
        var done = trials.Where(t => t.Metric is { } m && double.IsFinite(m)).OrderBy(t => t.Number).ToArray();
        if (done.Length > 0)
        {
            var s = plot.Add.Scatter(done.Select(t => (double)t.Number).ToArray(), done.Select(t => t.Metric!.Value).ToArray());
            s.LineWidth = done.Length > 1 ? 1 : 0;
            s.MarkerSize = 8;
        }
        plot.Title($"{metric} per trial");
        plot.XLabel("trial");
        plot.YLabel(metric);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>The best primary metric so far against seconds since the run started (a step line).</summary>
    public static byte[] BestSoFar(string metric, IReadOnlyList<TrialResult> trials)
    {
        bool lower = MetricsReport.LowerIsBetter(metric);
        var xs = new List<double>();
        var ys = new List<double>();
        double? best = null;
        foreach (var t in trials.Where(t => t.Metric is { } m && double.IsFinite(m)).OrderBy(t => t.FinishedAt))
        {
            double m = t.Metric!.Value;
            if (best == null || (lower ? m < best : m > best)) best = m;
            xs.Add(t.FinishedAt);
            ys.Add(best.Value);
        }
        var plot = new Plot();
        if (xs.Count > 0)
        {
            var s = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            s.ConnectStyle = ConnectStyle.StepHorizontal;
            s.MarkerSize = 6;
        }
        plot.Title($"best {metric} so far");
        plot.XLabel("seconds since start");
        plot.YLabel(metric);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>A heat map of a confusion matrix (rows actual, columns predicted) with the counts written in the cells.</summary>
    public static byte[] ConfusionMatrix(IReadOnlyList<string> classes, long[][] counts)
    {
        int k = classes.Count;
        var values = new double[k, k];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++)
                values[r, c] = counts[r][c];
        var plot = new Plot();
        var heat = plot.Add.Heatmap(values);
        heat.Colormap = new ScottPlot.Colormaps.Blues().Reversed(); // light for few, dark blue for many
        heat.FlipVertically = false;
        double max = values.Cast<double>().DefaultIfEmpty(0).Max();
        for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++)
            {
                // The heat map draws row r at y = k - 1 - r (row 0 on top).
                var label = plot.Add.Text(counts[r][c].ToString(System.Globalization.CultureInfo.InvariantCulture), c, k - 1 - r);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = 16;
                label.LabelFontColor = values[r, c] > max / 2 ? Colors.White : Colors.Black;
            }
        var ticks = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, classes.ToArray());
        plot.Axes.Left.SetTicks(ticks, classes.Reverse().ToArray());
        plot.Title("confusion matrix");
        plot.XLabel("predicted");
        plot.YLabel("actual");
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }
}
