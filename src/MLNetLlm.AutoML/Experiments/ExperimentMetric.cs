using Microsoft.ML;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// What an experiment optimises: a name, a direction, and how to compute it from scored validation data.
/// Made from a task's metric enum, from a name (<see cref="Parse"/>), or from any function (<see cref="Custom"/>).
/// </summary>
public sealed class ExperimentMetric
{
    readonly Func<MLContext, IDataView, double> _evaluate;

    ExperimentMetric(string name, bool maximize, Func<MLContext, IDataView, double> evaluate)
    {
        Name = name;
        Maximize = maximize;
        _evaluate = evaluate;
    }

    /// <summary>The metric's name, e.g. "binary:F1Score".</summary>
    public string Name { get; }

    /// <summary>Whether larger is better.</summary>
    public bool Maximize { get; }

    /// <summary>The metric of scored data (the output of a model's Transform on validation data).</summary>
    public double Evaluate(MLContext context, IDataView scored)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(scored);
        return _evaluate(context, scored);
    }

    /// <summary>The loss tuners minimise: the metric, or its negative when it is maximised.</summary>
    public double ToLoss(double metric) => Maximize ? -metric : metric;

    /// <summary>A binary-classification metric; AUC, AUPRC and log-loss need a calibrated trainer (a Probability column).</summary>
    public static ExperimentMetric Binary(BinaryClassificationMetric metric, string labelColumnName = "Label")
    {
        bool needsProbability = metric is BinaryClassificationMetric.AreaUnderRocCurve or BinaryClassificationMetric.AreaUnderPrecisionRecallCurve or BinaryClassificationMetric.LogLoss;
        return new ExperimentMetric($"binary:{metric}", metric != BinaryClassificationMetric.LogLoss, (ctx, scored) =>
        {
            bool calibrated = scored.Schema.GetColumnOrNull("Probability") is not null;
            if (!calibrated && needsProbability)
                throw new InvalidOperationException($"Metric {metric} needs a Probability column; the trainer is not calibrated (use a calibrated trainer or another metric).");
            var m = calibrated
                ? ctx.BinaryClassification.Evaluate(scored, labelColumnName)
                : ctx.BinaryClassification.EvaluateNonCalibrated(scored, labelColumnName);
            return metric switch
            {
                BinaryClassificationMetric.Accuracy => m.Accuracy,
                BinaryClassificationMetric.AreaUnderRocCurve => m.AreaUnderRocCurve,
                BinaryClassificationMetric.AreaUnderPrecisionRecallCurve => m.AreaUnderPrecisionRecallCurve,
                BinaryClassificationMetric.F1Score => m.F1Score,
                BinaryClassificationMetric.PositivePrecision => m.PositivePrecision,
                BinaryClassificationMetric.PositiveRecall => m.PositiveRecall,
                _ => ((Microsoft.ML.Data.CalibratedBinaryClassificationMetrics)m).LogLoss,
            };
        });
    }

    /// <summary>A multiclass-classification metric.</summary>
    public static ExperimentMetric Multiclass(MulticlassClassificationMetric metric, string labelColumnName = "Label") =>
        new($"multiclass:{metric}", metric != MulticlassClassificationMetric.LogLoss, (ctx, scored) =>
        {
            var m = ctx.MulticlassClassification.Evaluate(scored, labelColumnName);
            return metric switch
            {
                MulticlassClassificationMetric.MicroAccuracy => m.MicroAccuracy,
                MulticlassClassificationMetric.MacroAccuracy => m.MacroAccuracy,
                MulticlassClassificationMetric.LogLoss => m.LogLoss,
                _ => m.LogLossReduction,
            };
        });

    /// <summary>A regression metric.</summary>
    public static ExperimentMetric Regression(RegressionMetric metric, string labelColumnName = "Label") =>
        new($"regression:{metric}", metric == RegressionMetric.RSquared, (ctx, scored) =>
        {
            var m = ctx.Regression.Evaluate(scored, labelColumnName);
            return metric switch
            {
                RegressionMetric.RSquared => m.RSquared,
                RegressionMetric.MeanAbsoluteError => m.MeanAbsoluteError,
                RegressionMetric.MeanSquaredError => m.MeanSquaredError,
                _ => m.RootMeanSquaredError,
            };
        });

    /// <summary>Any metric computed from scored data.</summary>
    public static ExperimentMetric Custom(string name, bool maximize, Func<MLContext, IDataView, double> evaluate)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A metric needs a name.", nameof(name));
        ArgumentNullException.ThrowIfNull(evaluate);
        return new ExperimentMetric(name, maximize, evaluate);
    }

    /// <summary>
    /// A metric from its task and name, case-insensitive, e.g. ("binary", "f1score"), ("multiclass", "MicroAccuracy"),
    /// ("regression", "rmse"). Short names: f1, auc, auprc, precision, recall, accuracy, logloss, mae, mse, rmse, r2.
    /// </summary>
    /// <exception cref="ArgumentException">For an unknown task or metric; the message lists the known ones.</exception>
    public static ExperimentMetric Parse(string task, string name, string labelColumnName = "Label")
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(name);
        string n = name.Replace("-", "").Replace("_", "").ToLowerInvariant();
        switch (task.ToLowerInvariant())
        {
            case "binary":
            case "binaryclassification":
                n = n switch { "f1" => "f1score", "auc" => "areaunderroccurve", "auprc" => "areaunderprecisionrecallcurve", "precision" => "positiveprecision", "recall" => "positiverecall", _ => n };
                return Binary(ParseEnum<BinaryClassificationMetric>(task, name, n), labelColumnName);
            case "multiclass":
            case "multiclassclassification":
                n = n switch { "accuracy" => "microaccuracy", _ => n };
                return Multiclass(ParseEnum<MulticlassClassificationMetric>(task, name, n), labelColumnName);
            case "regression":
                n = n switch { "mae" => "meanabsoluteerror", "mse" => "meansquarederror", "rmse" => "rootmeansquarederror", "r2" => "rsquared", _ => n };
                return Regression(ParseEnum<RegressionMetric>(task, name, n), labelColumnName);
            default:
                throw new ArgumentException($"Unknown task '{task}' (known: binary, multiclass, regression).", nameof(task));
        }
    }

    static T ParseEnum<T>(string task, string original, string normalised) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>())
            if (v.ToString().Equals(normalised, StringComparison.OrdinalIgnoreCase)) return v;
        throw new ArgumentException($"Unknown {task} metric '{original}' (known: {string.Join(", ", Enum.GetNames<T>())}).", nameof(original));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({(Maximize ? "maximise" : "minimise")})";
}
