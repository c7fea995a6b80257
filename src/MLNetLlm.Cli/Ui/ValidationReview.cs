using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.Training;
using MLNetLlm.IO;
using ScottPlot;

namespace MLNetLlm.Cli.Ui;

/// <summary>
/// The evaluate page's look at single rows: the run's validation rows (the same split as <c>train</c>:
/// <see cref="TrainingRun.Split"/> with the run's seed) predicted by the saved model, for the worst mistakes and, for
/// binary runs, the ROC and precision-recall curves.
/// </summary>
internal sealed class ValidationReview
{
    /// <summary>One validation row: its line in the data file, the true and predicted value, how wrong the model was (0 = sure and right, 1 = sure and wrong; regression: the absolute error).</summary>
    public sealed record Row(int Line, string Actual, string Predicted, double Wrongness, bool Mistake, string Text, double? PositiveProbability, bool? IsPositive);

    public required IReadOnlyList<Row> Rows { get; init; }

    /// <summary>The rows the model got wrong, the surest mistakes first (regression: the largest errors).</summary>
    public IEnumerable<Row> WorstMistakes(int n) => Rows.Where(r => r.Mistake).OrderByDescending(r => r.Wrongness).Take(n);

    public static ValidationReview Create(RunConfig c, ModelPredictor predictor)
    {
        var s = predictor.Signature;
        DelimitedTable table;
        int[] rows;
        if (c.ValidationDataset != null)
        {
            table = DelimitedFile.Read(c.ValidationDataset);
            rows = Enumerable.Range(0, table.Rows.Count).ToArray();
        }
        else
        {
            table = DelimitedFile.Read(c.Dataset!);
            (_, rows) = TrainingRun.Split(table, c.Split, c.Seed, s.Task == TaskKind.Regression ? null : c.LabelColumn);
        }
        int li = table.ColumnIndex(s.LabelColumn);
        var ti = s.TextColumns.Select(table.ColumnIndex).ToArray();
        var result = new List<Row>(rows.Length);
        foreach (int r in rows)
        {
            var texts = ti.Select(i => table.Rows[r][i]).ToArray();
            string actual = table.Rows[r][li].Trim();
            var p = predictor.Predict(texts);
            string text = string.Join(" | ", texts);
            switch (s.Task)
            {
                case TaskKind.Binary:
                {
                    bool positive = s.PositiveLabel != null ? actual == s.PositiveLabel : actual.ToLowerInvariant() is "true" or "1" or "yes";
                    double prob = p.Probability ?? double.NaN;
                    bool predictedPositive = p.Label == s.Classes[1];
                    result.Add(new Row(table.Lines[r], actual, p.Label ?? "", positive ? 1 - prob : prob, predictedPositive != positive, text, prob, positive));
                    break;
                }
                case TaskKind.Multiclass:
                {
                    double pa = p.Classes is { } cl && cl.TryGetValue(actual, out var v) ? v : 0;
                    result.Add(new Row(table.Lines[r], actual, p.Label ?? "", 1 - pa, p.Label != actual, text, null, null));
                    break;
                }
                default:
                {
                    double y = double.TryParse(actual, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var yy) ? yy : double.NaN;
                    result.Add(new Row(table.Lines[r], actual, UiText.F(p.Score), Math.Abs(p.Score - y), true, text, null, null));
                    break;
                }
            }
        }
        return new ValidationReview { Rows = result };
    }

    /// <summary>Binary: the ROC curve (false-positive rate, true-positive rate) from the positive probabilities, tied scores taken together; null otherwise.</summary>
    public (double[] Fpr, double[] Tpr)? Roc()
    {
        var scored = Rows.Where(r => r.IsPositive != null && r.PositiveProbability is { } p && double.IsFinite(p)).ToList();
        int pos = scored.Count(r => r.IsPositive == true), neg = scored.Count - pos;
        if (pos == 0 || neg == 0) return null;
        var fpr = new List<double> { 0 };
        var tpr = new List<double> { 0 };
        int tp = 0, fp = 0;
        foreach (var group in scored.GroupBy(r => r.PositiveProbability!.Value).OrderByDescending(g => g.Key))
        {
            foreach (var r in group) { if (r.IsPositive == true) tp++; else fp++; }
            fpr.Add((double)fp / neg);
            tpr.Add((double)tp / pos);
        }
        return (fpr.ToArray(), tpr.ToArray());
    }

    /// <summary>The area under <see cref="Roc"/> (trapezoids).</summary>
    public static double Area(double[] x, double[] y)
    {
        double a = 0;
        for (int i = 1; i < x.Length; i++) a += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        return a;
    }

    /// <summary>
    /// Binary: the precision-recall curve from the positive probabilities, one point per distinct probability (tied
    /// scores taken together), highest first; null when the validation rows lack a class.
    /// </summary>
    public (double[] Recall, double[] Precision)? PrecisionRecall()
    {
        var scored = Rows.Where(r => r.IsPositive != null && r.PositiveProbability is { } p && double.IsFinite(p)).ToList();
        int pos = scored.Count(r => r.IsPositive == true);
        if (pos == 0 || pos == scored.Count) return null;
        var recall = new List<double>();
        var precision = new List<double>();
        int tp = 0, fp = 0;
        foreach (var group in scored.GroupBy(r => r.PositiveProbability!.Value).OrderByDescending(g => g.Key))
        {
            foreach (var r in group) { if (r.IsPositive == true) tp++; else fp++; }
            recall.Add((double)tp / pos);
            precision.Add((double)tp / (tp + fp));
        }
        return (recall.ToArray(), precision.ToArray());
    }

    /// <summary>The average precision of a <see cref="PrecisionRecall"/> curve: each step of recall times the precision reached there.</summary>
    public static double AveragePrecision(double[] recall, double[] precision)
    {
        double ap = 0, previous = 0;
        for (int i = 0; i < recall.Length; i++)
        {
            ap += (recall[i] - previous) * precision[i];
            previous = recall[i];
        }
        return ap;
    }

    /// <summary>The precision-recall curve as a PNG (ScottPlot), with the positive rate as the no-skill line.</summary>
    public byte[]? PrecisionRecallChart()
    {
        if (PrecisionRecall() is not { } pr) return null;
        var scored = Rows.Where(r => r.IsPositive != null && r.PositiveProbability is { } p && double.IsFinite(p)).ToList();
        double rate = (double)scored.Count(r => r.IsPositive == true) / scored.Count;
        var plot = new Plot();
        var baseline = plot.Add.Line(0, rate, 1, rate);
        baseline.LinePattern = LinePattern.Dashed;
        var curve = plot.Add.Scatter(pr.Recall, pr.Precision);
        curve.MarkerSize = 0;
        curve.LineWidth = 2;
        curve.ConnectStyle = ConnectStyle.StepVertical;
        plot.Title($"Precision-recall, validation rows (AP {AveragePrecision(pr.Recall, pr.Precision):0.0000})");
        plot.XLabel("recall");
        plot.YLabel("precision");
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        return plot.GetImageBytes(480, 480, ImageFormat.Png);
    }

    /// <summary>The ROC curve as a PNG (ScottPlot, like the run's report charts).</summary>
    public byte[]? RocChart()
    {
        if (Roc() is not { } roc) return null;
        var plot = new Plot();
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = LinePattern.Dashed;
        var curve = plot.Add.Scatter(roc.Fpr, roc.Tpr);
        curve.MarkerSize = 0;
        curve.LineWidth = 2;
        plot.Title($"ROC on the validation rows (AUC {Area(roc.Fpr, roc.Tpr):0.0000})");
        plot.XLabel("false-positive rate");
        plot.YLabel("true-positive rate");
        plot.Axes.SetLimits(0, 1, 0, 1);
        return plot.GetImageBytes(480, 480, ImageFormat.Png);
    }
}
