using MLNetLlm.AutoML.Experiments;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// <c>--metric</c>: the metric trials are selected by and the report ranks by, per task, by its metrics.json name.
/// Binary: f1 (default), accuracy, auc, aucPr, precision, recall, logLoss. Multiclass: macroAccuracy (default; the
/// mean of the per-class recalls, so every class weighs the same whatever its size), microAccuracy, logLoss,
/// logLossReduction. Regression: r2 (default), rmse, mae.
/// </summary>
internal static class SelectionMetric
{
    static readonly Dictionary<TaskKind, (string Name, Func<ExperimentMetric> Metric)[]> Known = new()
    {
        [TaskKind.Binary] =
        [
            ("f1", () => ExperimentMetric.Binary(BinaryClassificationMetric.F1Score)),
            ("accuracy", () => ExperimentMetric.Binary(BinaryClassificationMetric.Accuracy)),
            ("auc", () => ExperimentMetric.Binary(BinaryClassificationMetric.AreaUnderRocCurve)),
            ("aucPr", () => ExperimentMetric.Binary(BinaryClassificationMetric.AreaUnderPrecisionRecallCurve)),
            ("precision", () => ExperimentMetric.Binary(BinaryClassificationMetric.PositivePrecision)),
            ("recall", () => ExperimentMetric.Binary(BinaryClassificationMetric.PositiveRecall)),
            ("logLoss", () => ExperimentMetric.Binary(BinaryClassificationMetric.LogLoss)),
        ],
        [TaskKind.Multiclass] =
        [
            ("macroAccuracy", () => ExperimentMetric.Multiclass(MulticlassClassificationMetric.MacroAccuracy)),
            ("microAccuracy", () => ExperimentMetric.Multiclass(MulticlassClassificationMetric.MicroAccuracy)),
            ("logLoss", () => ExperimentMetric.Multiclass(MulticlassClassificationMetric.LogLoss)),
            ("logLossReduction", () => ExperimentMetric.Multiclass(MulticlassClassificationMetric.LogLossReduction)),
        ],
        [TaskKind.Regression] =
        [
            ("r2", () => ExperimentMetric.Regression(RegressionMetric.RSquared)),
            ("rmse", () => ExperimentMetric.Regression(RegressionMetric.RootMeanSquaredError)),
            ("mae", () => ExperimentMetric.Regression(RegressionMetric.MeanAbsoluteError)),
        ],
    };

    /// <summary>Short aliases accepted for the names above.</summary>
    static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["macro"] = "macroAccuracy", ["micro"] = "microAccuracy", ["balancedAccuracy"] = "macroAccuracy", ["f1Score"] = "f1",
    };

    /// <summary>The metrics.json name of <paramref name="option"/> for <paramref name="task"/> (null: the task's default).</summary>
    /// <exception cref="CliException">For a name the task does not know, listing the ones it does.</exception>
    public static string Name(TaskKind task, string? option)
    {
        var known = Known[task];
        if (option is null) return known[0].Name;
        string wanted = Aliases.GetValueOrDefault(option, option);
        foreach (var (name, _) in known)
            if (name.Equals(wanted, StringComparison.OrdinalIgnoreCase)) return name;
        throw new CliException($"--metric '{option}' is not a {task.ToString().ToLowerInvariant()} metric; use one of: {string.Join(", ", known.Select(k => k.Name))}.");
    }

    /// <summary>The experiment metric of a metrics.json name.</summary>
    public static ExperimentMetric Experiment(TaskKind task, string name) => Known[task].Single(k => k.Name == name).Metric();
}
