using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Cli.Training;

namespace MLNetLlm.Cli.Evaluation;

/// <summary>Measures a scored data view (the model's output on labeled data) with ML.NET's evaluators, for each task.</summary>
internal static class ModelEvaluator
{
    /// <summary>The metric models of a task are ranked by.</summary>
    public static string PrimaryMetric(TaskKind task) => task switch
    {
        TaskKind.Binary => "f1",
        TaskKind.Multiclass => "macroAccuracy",
        _ => "r2",
    };

    public static MetricsReport Evaluate(MLContext ml, ModelSignature signature, IDataView scored, string dataset, int? trainRows)
    {
        const string label = ModelSignature.LabelColumnName;
        int rows = (int)(scored.GetRowCount() ?? Count(scored));
        if (rows == 0) throw new CliException($"'{dataset}' has no rows to evaluate on.");
        switch (signature.Task)
        {
            case TaskKind.Binary:
            {
                var (truth, predicted) = Read<bool>(scored, label, "PredictedLabel");
                int positives = truth.Count(t => t);
                if (positives == 0 || positives == truth.Length)
                    throw new CliException(
                        $"'{dataset}' holds only '{signature.Classes[positives == 0 ? 0 : 1]}' rows: binary metrics (AUC, F1) need both classes in the evaluation data.");
                var m = ml.BinaryClassification.Evaluate(scored, label);
                return new MetricsReport
                {
                    Task = "binary", Dataset = dataset, TrainRows = trainRows, TestRows = rows, PrimaryMetric = PrimaryMetric(signature.Task),
                    Metrics = new()
                    {
                        ["accuracy"] = m.Accuracy, ["f1"] = m.F1Score, ["auc"] = m.AreaUnderRocCurve, ["aucPr"] = m.AreaUnderPrecisionRecallCurve,
                        ["precision"] = m.PositivePrecision, ["recall"] = m.PositiveRecall,
                        ["negativePrecision"] = m.NegativePrecision, ["negativeRecall"] = m.NegativeRecall, ["logLoss"] = m.LogLoss,
                    },
                    Classes = signature.Classes,
                    ConfusionMatrix = Confusion(2, truth.Select(t => t ? 1 : 0), predicted.Select(p => p ? 1 : 0)),
                };
            }
            case TaskKind.Multiclass:
            {
                var m = ml.MulticlassClassification.Evaluate(scored, label, "Score", "PredictedLabel");
                var (truth, predicted) = Read<uint>(scored, label, "PredictedLabel");
                int k = signature.Classes.Count;
                return new MetricsReport
                {
                    Task = "multiclass", Dataset = dataset, TrainRows = trainRows, TestRows = rows, PrimaryMetric = PrimaryMetric(signature.Task),
                    Metrics = new()
                    {
                        ["microAccuracy"] = m.MicroAccuracy, ["macroAccuracy"] = m.MacroAccuracy,
                        ["logLoss"] = m.LogLoss, ["logLossReduction"] = m.LogLossReduction,
                    },
                    Classes = signature.Classes,
                    // Keys are 1-based; 0 (missing) cannot occur: evaluation labels are checked against the classes.
                    ConfusionMatrix = Confusion(k, truth.Select(t => (int)t - 1), predicted.Select(p => (int)p - 1)),
                };
            }
            default:
            {
                var m = ml.Regression.Evaluate(scored, label, "Score");
                var (truth, score) = Read<float>(scored, label, "Score");
                return new MetricsReport
                {
                    Task = "regression", Dataset = dataset, TrainRows = trainRows, TestRows = rows, PrimaryMetric = PrimaryMetric(signature.Task),
                    Metrics = new()
                    {
                        ["r2"] = m.RSquared, ["rmse"] = m.RootMeanSquaredError, ["mae"] = m.MeanAbsoluteError,
                        ["pearson"] = Correlation.Pearson(truth, score), ["spearman"] = Correlation.Spearman(truth, score),
                    },
                };
            }
        }
    }

    static long[][] Confusion(int k, IEnumerable<int> truth, IEnumerable<int> predicted)
    {
        var cm = Enumerable.Range(0, k).Select(_ => new long[k]).ToArray();
        foreach (var (t, p) in truth.Zip(predicted))
            if ((uint)t < (uint)k && (uint)p < (uint)k) cm[t][p]++;
        return cm;
    }

    static (T[] A, T[] B) Read<T>(IDataView data, string a, string b)
    {
        var ca = data.Schema[a];
        var cb = data.Schema[b];
        var la = new List<T>();
        var lb = new List<T>();
        using var cursor = data.GetRowCursor([ca, cb]);
        var ga = cursor.GetGetter<T>(ca);
        var gb = cursor.GetGetter<T>(cb);
        T va = default!, vb = default!;
        while (cursor.MoveNext())
        {
            ga(ref va); gb(ref vb);
            la.Add(va); lb.Add(vb);
        }
        return (la.ToArray(), lb.ToArray());
    }

    static long Count(IDataView data)
    {
        long n = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext()) n++;
        return n;
    }
}
