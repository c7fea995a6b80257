using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MLNetLlm.Explanations;

/// <summary>
/// Feature contributions of a model whose last predictor is linear (SDCA, L-BFGS, averaged perceptron, … : binary,
/// regression, and maximum-entropy multiclass): contribution of slot i = weight_i × feature value_i, named by the feature
/// column's slot names (FeaturizeText's n-grams). Binary and regression use ML.NET's own
/// <c>CalculateFeatureContribution</c> (unnormalized); multiclass, which it does not support, multiplies the explained
/// class's weight row with the features. The contributions plus the bias give the raw score.
/// </summary>
/// <example><code>
/// var explainer = LinearModelExplainer.Create(mlContext, model);
/// var why = explainer.Explain(mlContext.Data.LoadFromEnumerable(new[] { new Email { Text = "free money" } }))[0];
/// foreach (var f in why.Top(5)) Console.WriteLine($"{f.Name}: {f.Weight:+0.000;-0.000}");
/// </code></example>
public sealed class LinearModelExplainer
{
    /// <summary>The most contributions of each sign ML.NET's calculator keeps per row (its own limit).</summary>
    public const int MaxContributionsPerSign = 1000;

    readonly MLContext _ml;
    readonly ITransformer _features;
    readonly ISingleFeaturePredictionTransformer<object> _predictor;

    LinearModelExplainer(MLContext ml, ITransformer features, ISingleFeaturePredictionTransformer<object> predictor)
    {
        _ml = ml;
        _features = features;
        _predictor = predictor;
    }

    /// <summary>Whether <paramref name="model"/> ends in a predictor this class can explain.</summary>
    public static bool CanExplain(ITransformer model) => Split(model) is { } s && (Linear(s.Predictor.Model) is not null || s.Predictor.Model is MaximumEntropyModelParameters);

    /// <summary>An explainer for <paramref name="model"/> (a chain whose last prediction transformer is linear).</summary>
    /// <exception cref="NotSupportedException">The model has no linear predictor.</exception>
    public static LinearModelExplainer Create(MLContext mlContext, ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        var split = Split(model) ?? throw new NotSupportedException("The model has no prediction transformer with a feature column to explain.");
        if (Linear(split.Predictor.Model) is null && split.Predictor.Model is not MaximumEntropyModelParameters)
            throw new NotSupportedException($"The model's predictor ({split.Predictor.Model.GetType().Name}) is not linear: feature contributions need a linear model.");
        return new LinearModelExplainer(mlContext, split.Features, split.Predictor);
    }

    /// <summary>One explanation per row of <paramref name="rows"/> (the model's input columns).</summary>
    /// <param name="rows">The rows to explain.</param>
    /// <param name="targetClass">Multiclass: the class (key index, 0-based) to explain; null: the predicted class.</param>
    public IReadOnlyList<Explanation> Explain(IDataView rows, int? targetClass = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var featurized = _features.Transform(rows);
        var featureColumn = featurized.Schema[_predictor.FeatureColumnName];
        var names = SlotNames(featureColumn);
        var model = _predictor.Model;
        if (model is MaximumEntropyModelParameters maxEnt) return Multiclass(featurized, featureColumn, names, maxEnt, targetClass);
        var linear = Linear(model)!;
        var calculator = Calculator();
        var scored = calculator.Fit(featurized).Transform(_predictor.Transform(featurized));
        var contributions = scored.Schema["FeatureContributions"];
        var score = scored.Schema["Score"];
        var result = new List<Explanation>();
        using var cursor = scored.GetRowCursor([contributions, score]);
        var getContributions = cursor.GetGetter<VBuffer<float>>(contributions);
        var getScore = cursor.GetGetter<float>(score);
        VBuffer<float> buffer = default;
        float s = 0;
        bool isRegression = _predictor is RegressionPredictionTransformer<LinearRegressionModelParameters> || model is LinearRegressionModelParameters;
        while (cursor.MoveNext())
        {
            getContributions(ref buffer);
            getScore(ref s);
            result.Add(new Explanation
            {
                Method = "feature-contribution", Target = isRegression ? "value" : "score", Output = s, Reference = linear.Bias,
                Features = Named(buffer, names),
            });
        }
        return result;
    }

    /// <summary>
    /// ML.NET's contribution calculator for the predictor: the plain overload for an uncalibrated model, the generic
    /// one for a calibrated model (whose transformer is typed by CalibratedModelParametersBase&lt;TSubModel, TCalibrator&gt;).
    /// </summary>
    IEstimator<ITransformer> Calculator()
    {
        if (_predictor is ISingleFeaturePredictionTransformer<ICalculateFeatureContribution> plain)
            return _ml.Transforms.CalculateFeatureContribution(plain, MaxContributionsPerSign, MaxContributionsPerSign, normalize: false);
        var calibrated = _predictor.GetType().GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISingleFeaturePredictionTransformer<>))
            .Select(i => i.GetGenericArguments()[0])
            .FirstOrDefault(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Microsoft.ML.Calibrators.CalibratedModelParametersBase<,>))
            ?? throw new NotSupportedException($"ML.NET cannot calculate feature contributions of {_predictor.Model.GetType().Name}.");
        var method = typeof(ExplainabilityCatalog).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == nameof(ExplainabilityCatalog.CalculateFeatureContribution) && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == 2)
            .MakeGenericMethod(calibrated.GetGenericArguments());
        return (IEstimator<ITransformer>)method.Invoke(null, [_ml.Transforms, _predictor, MaxContributionsPerSign, MaxContributionsPerSign, false])!;
    }

    IReadOnlyList<Explanation> Multiclass(IDataView featurized, DataViewSchema.Column featureColumn, string[] names, MaximumEntropyModelParameters model, int? target)
    {
        VBuffer<float>[] weights = [];
        model.GetWeights(ref weights, out int classes);
        var biases = model.GetBiases().ToArray();
        var classNames = ClassNames(_predictor, classes);
        var result = new List<Explanation>();
        using var cursor = featurized.GetRowCursor([featureColumn]);
        var get = cursor.GetGetter<VBuffer<float>>(featureColumn);
        VBuffer<float> x = default;
        while (cursor.MoveNext())
        {
            get(ref x);
            var raw = new double[classes];
            for (int c = 0; c < classes; c++) raw[c] = biases[c] + Dot(weights[c], x);
            int k = target ?? Array.IndexOf(raw, raw.Max());
            if (k < 0 || k >= classes) throw new ArgumentOutOfRangeException(nameof(target), k, $"The class must be in [0, {classes}).");
            var features = new List<FeatureWeight>();
            var wk = weights[k].DenseValues().ToArray();
            foreach (var (i, v) in x.Items()) if (v != 0 && i < wk.Length && wk[i] != 0) features.Add(new FeatureWeight(Name(names, i), (double)wk[i] * v));
            result.Add(new Explanation { Method = "feature-contribution", Target = classNames[k], Output = raw[k], Reference = biases[k], Features = features });
        }
        return result;
    }

    static double Dot(VBuffer<float> w, VBuffer<float> x)
    {
        var dense = w.DenseValues().ToArray();
        double sum = 0;
        foreach (var (i, v) in x.Items()) if (i < dense.Length) sum += (double)dense[i] * v;
        return sum;
    }

    static string[] ClassNames(ISingleFeaturePredictionTransformer<object> predictor, int classes)
    {
        // The key values of the label the predictor was trained on are on its PredictedLabel output.
        if (predictor is ITransformer t)
        {
            try
            {
                var schema = t.GetOutputSchema(BuildFeatureSchema(predictor));
                var col = schema.GetColumnOrNull("PredictedLabel");
                if (col is { } c && c.Annotations.Schema.GetColumnOrNull("KeyValues") is not null)
                {
                    VBuffer<ReadOnlyMemory<char>> names = default;
                    c.GetKeyValues(ref names);
                    var list = names.DenseValues().Select(n => n.ToString()).ToArray();
                    if (list.Length == classes) return list;
                }
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException) { }
        }
        return Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    static DataViewSchema BuildFeatureSchema(ISingleFeaturePredictionTransformer<object> predictor)
    {
        var b = new DataViewSchema.Builder();
        b.AddColumn(predictor.FeatureColumnName, predictor.FeatureColumnType);
        return b.ToSchema();
    }

    static IReadOnlyList<FeatureWeight> Named(VBuffer<float> contributions, string[] names)
    {
        var list = new List<FeatureWeight>();
        foreach (var (i, v) in contributions.Items()) if (v != 0) list.Add(new FeatureWeight(Name(names, i), v));
        return list;
    }

    static string Name(string[] names, int i) => i < names.Length && names[i].Length > 0 ? names[i] : $"slot {i}";

    /// <summary>
    /// Slot names made readable: FeaturizeText's word n-grams ("Word.free|money" → "word: free money") and character
    /// n-grams ("Char.&lt;␂&gt;|f|r" → "chars: ␂fr", with ␠ for a space and ␂/␃ for the start/end of the text); other names unchanged.
    /// </summary>
    static string[] SlotNames(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull("SlotNames") is null) return [];
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.GetSlotNames(ref names);
        return names.DenseValues().Select(n => Readable(n.ToString())).ToArray();
    }

    internal static string Readable(string slot)
    {
        static string Chars(string body) => "chars: " + body.Replace("|", "").Replace("<␠>", "␠").Replace("<␂>", "␂").Replace("<␃>", "␃");
        if (slot.StartsWith("Word.", StringComparison.Ordinal)) return "word: " + slot[5..].Replace('|', ' ');
        if (slot.StartsWith("Char.", StringComparison.Ordinal)) return Chars(slot[5..]);
        return slot;
    }

    static LinearModelParameters? Linear(object model) => model switch
    {
        LinearModelParameters l => l,
        MaximumEntropyModelParameters => null, // handled separately; not a LinearModelParameters
        // A calibrated model (CalibratedModelParametersBase<TSubModel, TCalibrator>) declares SubModel at two levels.
        _ => model.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name == "SubModel" && p.GetIndexParameters().Length == 0)
            .Select(p => p.GetValue(model) as LinearModelParameters).FirstOrDefault(l => l != null),
    };

    static (ITransformer Features, ISingleFeaturePredictionTransformer<object> Predictor)? Split(ITransformer model)
    {
        var stages = new List<ITransformer>();
        Flatten(model, stages);
        int p = stages.FindLastIndex(s => s is ISingleFeaturePredictionTransformer<object>);
        if (p < 0) return null;
        return (new TransformerChain<ITransformer>(stages.Take(p).ToArray()), (ISingleFeaturePredictionTransformer<object>)stages[p]);
    }

    static void Flatten(ITransformer t, List<ITransformer> into)
    {
        var type = t.GetType();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(TransformerChain<>) && t is IEnumerable<ITransformer> items)
            foreach (var item in items) Flatten(item, into);
        else into.Add(t);
    }
}
