using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Fairness;

/// <summary>
/// Fairness audits of a model's predictions over a sensitive feature, with Fairlearn's <c>MetricFrame</c> definitions
/// (see <see cref="GroupMetrics"/> and <see cref="FairnessDisparities"/>), so numbers can be compared with Fairlearn's.
/// Made by <c>mlContext.Llm().Fairness</c>.
/// </summary>
/// <example><code>
/// var scored = model.Transform(testData);
/// var report = mlContext.Llm().Fairness.Evaluate(scored, "Label", "Group");
/// Console.WriteLine(report.Results[0].Disparities.DemographicParityDifference);
/// </code></example>
public sealed class FairnessCatalog
{
    /// <summary>The name of the overall row in <see cref="FairnessResult.Overall"/>.</summary>
    public const string OverallGroup = "(all)";

    internal FairnessCatalog() { }

    /// <summary>
    /// Audits a scored data view: <paramref name="labelColumnName"/> holds the truth, <paramref name="predictedLabelColumnName"/>
    /// the model's prediction (Boolean, text, key with key values, or numbers; compared as text) and
    /// <paramref name="sensitiveFeatureColumnName"/> the group of each row.
    /// </summary>
    public FairnessReport Evaluate(IDataView predictions, string labelColumnName, string sensitiveFeatureColumnName,
        string predictedLabelColumnName = "PredictedLabel", FairnessOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var label = Column(predictions.Schema, labelColumnName, "label");
        var predicted = Column(predictions.Schema, predictedLabelColumnName, "predicted label");
        var group = Column(predictions.Schema, sensitiveFeatureColumnName, "sensitive feature");
        var truth = new List<string>();
        var pred = new List<string>();
        var groups = new List<string>();
        using (var cursor = predictions.GetRowCursor(new[] { label, predicted, group }.DistinctBy(c => c.Index)))
        {
            var gl = TextGetter(cursor, label);
            var gp = TextGetter(cursor, predicted);
            var gg = TextGetter(cursor, group);
            while (cursor.MoveNext())
            {
                truth.Add(gl());
                pred.Add(gp());
                groups.Add(gg());
            }
        }
        options ??= new FairnessOptions();
        if (options.PositiveLabel is null && label.Type is BooleanDataViewType)
            options = new FairnessOptions { PositiveLabel = bool.TrueString, Multiclass = options.Multiclass, ForceMulticlass = options.ForceMulticlass, Classes = options.Classes };
        return Evaluate(truth, pred, groups, options, sensitiveFeatureColumnName);
    }

    /// <summary>
    /// Audits parallel lists of true labels, predicted labels and group values (one entry per row);
    /// <paramref name="sensitiveFeature"/> names the feature in the report.
    /// </summary>
    public FairnessReport Evaluate(IReadOnlyList<string> truth, IReadOnlyList<string> predicted, IReadOnlyList<string> groups,
        FairnessOptions? options = null, string sensitiveFeature = "group")
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(groups);
        if (truth.Count != predicted.Count || truth.Count != groups.Count)
            throw new ArgumentException($"Fairness: {truth.Count} labels, {predicted.Count} predictions and {groups.Count} group values; they must be as many.");
        if (truth.Count == 0) throw new ArgumentException("Fairness: there are no rows to audit.");
        options ??= new FairnessOptions();
        var values = truth.Concat(predicted).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (!options.ForceMulticlass && values.Count <= 2 && (options.PositiveLabel is not null || values.Count == 1 && values[0] == bool.TrueString))
        {
            string positive = options.PositiveLabel ?? bool.TrueString;
            return new FairnessReport { Kind = "binary", SensitiveFeature = sensitiveFeature, Results = [Binary(truth, predicted, groups, positive)] };
        }
        if (!options.ForceMulticlass && values.Count == 2)
            throw new ArgumentException(
                $"Fairness: the label has two values ('{values[0]}', '{values[1]}'); set FairnessOptions.PositiveLabel to the one that means the positive (selected) outcome.");
        if (options.Multiclass == MulticlassFairness.AccuracyOnly)
            return new FairnessReport { Kind = "multiclass-accuracy", SensitiveFeature = sensitiveFeature, Results = [AccuracyOnly(truth, predicted, groups)] };
        var classes = options.Classes ?? values;
        return new FairnessReport
        {
            Kind = "multiclass-one-vs-rest", SensitiveFeature = sensitiveFeature,
            Results = classes.Select(c => Binary(truth, predicted, groups, c)).ToList(),
        };
    }

    static FairnessResult Binary(IReadOnlyList<string> truth, IReadOnlyList<string> predicted, IReadOnlyList<string> groups, string positive)
    {
        var names = groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var byGroup = names.Select(g => Counts(truth, predicted, groups, positive, g)).ToList();
        var overall = Counts(truth, predicted, groups, positive, null);
        return new FairnessResult
        {
            PositiveLabel = positive,
            Overall = overall,
            Groups = byGroup,
            Disparities = new FairnessDisparities
            {
                DemographicParityDifference = Difference(byGroup, m => m.SelectionRate),
                DemographicParityRatio = Ratio(byGroup, m => m.SelectionRate),
                TruePositiveRateDifference = Difference(byGroup, m => m.Recall),
                FalsePositiveRateDifference = Difference(byGroup, m => m.FalsePositiveRate),
                EqualizedOddsDifference = Math.Max(Difference(byGroup, m => m.Recall), Difference(byGroup, m => m.FalsePositiveRate)),
                EqualizedOddsRatio = MinRatio(Ratio(byGroup, m => m.Recall), Ratio(byGroup, m => m.FalsePositiveRate)),
                AccuracyDifference = Difference(byGroup, m => m.Accuracy),
                AccuracyRatio = Ratio(byGroup, m => m.Accuracy),
            },
        };
    }

    /// <summary>min of two ratios as Python's built-in <c>min</c> over a pandas Series skipping nothing: NaN only when both are NaN.</summary>
    static double MinRatio(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : Math.Min(a, b);

    static GroupMetrics Counts(IReadOnlyList<string> truth, IReadOnlyList<string> predicted, IReadOnlyList<string> groups, string positive, string? group)
    {
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            if (group != null && !string.Equals(groups[i], group, StringComparison.Ordinal)) continue;
            bool t = string.Equals(truth[i], positive, StringComparison.Ordinal);
            bool p = string.Equals(predicted[i], positive, StringComparison.Ordinal);
            if (t && p) tp++;
            else if (p) fp++;
            else if (t) fn++;
            else tn++;
        }
        int n = tp + fp + tn + fn;
        return new GroupMetrics
        {
            Group = group ?? OverallGroup,
            Count = n,
            TruePositives = tp, FalsePositives = fp, TrueNegatives = tn, FalseNegatives = fn,
            SelectionRate = Div(tp + fp, n),
            // Of the binarised labels (a one-vs-rest result is the Fairlearn audit of "class c or not"); for a binary
            // label that is the plain accuracy.
            Accuracy = Div(tp + tn, n),
            Precision = Div(tp, tp + fp),
            Recall = Div(tp, tp + fn),
            FalsePositiveRate = Div(fp, fp + tn),
            FalseNegativeRate = Div(fn, tp + fn),
            F1 = Div(2 * tp, 2 * tp + fp + fn),
        };
    }

    static int Correct(IReadOnlyList<string> truth, IReadOnlyList<string> predicted, IReadOnlyList<string> groups, string? group)
    {
        int correct = 0;
        for (int i = 0; i < truth.Count; i++)
            if ((group == null || string.Equals(groups[i], group, StringComparison.Ordinal)) && string.Equals(truth[i], predicted[i], StringComparison.Ordinal))
                correct++;
        return correct;
    }

    static FairnessResult AccuracyOnly(IReadOnlyList<string> truth, IReadOnlyList<string> predicted, IReadOnlyList<string> groups)
    {
        GroupMetrics Metrics(string? group)
        {
            int n = group == null ? truth.Count : groups.Count(g => string.Equals(g, group, StringComparison.Ordinal));
            return new GroupMetrics { Group = group ?? OverallGroup, Count = n, Accuracy = Div(Correct(truth, predicted, groups, group), n) };
        }
        var byGroup = groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(g => Metrics(g)).ToList();
        return new FairnessResult
        {
            PositiveLabel = null, Overall = Metrics(null), Groups = byGroup,
            Disparities = new FairnessDisparities { AccuracyDifference = Difference(byGroup, m => m.Accuracy), AccuracyRatio = Ratio(byGroup, m => m.Accuracy) },
        };
    }

    /// <summary>a / b, 0 when b is 0 (scikit-learn's zero_division=0 default; Fairlearn's normalised confusion matrix).</summary>
    static double Div(int a, int b) => b == 0 ? 0.0 : (double)a / b;

    static double Difference(IReadOnlyList<GroupMetrics> groups, Func<GroupMetrics, double> pick) =>
        groups.Max(pick) - groups.Min(pick);

    static double Ratio(IReadOnlyList<GroupMetrics> groups, Func<GroupMetrics, double> pick)
    {
        double max = groups.Max(pick);
        return max == 0 ? double.NaN : groups.Min(pick) / max;
    }

    static DataViewSchema.Column Column(DataViewSchema schema, string name, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(schema),
            $"Fairness: {what} column '{name}' not found. The data has: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
    }

    /// <summary>A getter that reads <paramref name="column"/> as text: text as is, Booleans as True/False, keys through their key values, numbers invariantly.</summary>
    static Func<string> TextGetter(DataViewRow row, DataViewSchema.Column column)
    {
        switch (column.Type)
        {
            case TextDataViewType:
            {
                var g = row.GetGetter<ReadOnlyMemory<char>>(column);
                ReadOnlyMemory<char> v = default;
                return () => { g(ref v); return v.ToString(); };
            }
            case BooleanDataViewType:
            {
                var g = row.GetGetter<bool>(column);
                bool v = false;
                return () => { g(ref v); return v ? bool.TrueString : bool.FalseString; };
            }
            case KeyDataViewType key when key.RawType == typeof(uint):
            {
                var g = row.GetGetter<uint>(column);
                VBuffer<ReadOnlyMemory<char>> names = default;
                bool hasNames = column.Annotations.Schema.GetColumnOrNull("KeyValues") is { } kv && kv.Type is VectorDataViewType { ItemType: TextDataViewType };
                if (hasNames) column.GetKeyValues(ref names);
                var dense = hasNames ? names.DenseValues().Select(n => n.ToString()).ToArray() : [];
                uint v = 0;
                return () =>
                {
                    g(ref v);
                    if (v == 0) return "";
                    return v - 1 < dense.Length ? dense[v - 1] : v.ToString(CultureInfo.InvariantCulture);
                };
            }
            case NumberDataViewType when column.Type.RawType == typeof(float):
            {
                var g = row.GetGetter<float>(column);
                float v = 0;
                return () => { g(ref v); return v.ToString(CultureInfo.InvariantCulture); };
            }
            case NumberDataViewType when column.Type.RawType == typeof(double):
            {
                var g = row.GetGetter<double>(column);
                double v = 0;
                return () => { g(ref v); return v.ToString(CultureInfo.InvariantCulture); };
            }
            case NumberDataViewType when column.Type.RawType == typeof(int):
            {
                var g = row.GetGetter<int>(column);
                int v = 0;
                return () => { g(ref v); return v.ToString(CultureInfo.InvariantCulture); };
            }
            case NumberDataViewType when column.Type.RawType == typeof(long):
            {
                var g = row.GetGetter<long>(column);
                long v = 0;
                return () => { g(ref v); return v.ToString(CultureInfo.InvariantCulture); };
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(column),
                    $"Fairness: column '{column.Name}' is {column.Type}; use a text, Boolean, key or number column.");
        }
    }
}
