using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Explanations;
using MLNetLlm.Torch.Explanations;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Cli.Prediction;

/// <summary>
/// Explains one prediction of a loaded model: feature contributions for a linear n-gram model (ML.NET's calculator),
/// integrated gradients for a fine-tuned transformer (on the text as the model sees it, after the model's own cleaning
/// steps). Calls are serialised (explanations are rare next to predictions).
/// </summary>
internal sealed class PredictionExplainer
{
    readonly ModelPredictor _predictor;
    readonly LinearModelExplainer? _linear;
    readonly (ITransformer Before, TextClassificationTransformer Model)? _transformer;
    readonly object _lock = new();

    PredictionExplainer(ModelPredictor predictor, LinearModelExplainer? linear, (ITransformer, TextClassificationTransformer)? transformer)
    {
        _predictor = predictor;
        _linear = linear;
        _transformer = transformer;
    }

    /// <summary>Integrated-gradients steps (m) for transformer models. Default 50.</summary>
    public int Steps { get; init; } = 50;

    public static PredictionExplainer Create(ModelPredictor predictor)
    {
        if (LinearModelExplainer.CanExplain(predictor.Model))
            return new PredictionExplainer(predictor, LinearModelExplainer.Create(predictor.Context, predictor.Model), null);
        var stages = new List<ITransformer>();
        Flatten(predictor.Model, stages);
        int t = stages.FindIndex(s => s is TextClassificationTransformer);
        if (t >= 0)
            return new PredictionExplainer(predictor, null, (new TransformerChain<ITransformer>(stages.Take(t).ToArray()), (TextClassificationTransformer)stages[t]));
        throw new CliException($"'{predictor.Path}' cannot be explained: --explain needs a linear n-gram model (e.g. SDCA) or a fine-tuned transformer classifier.");
    }

    /// <summary>The explanation of the model's output for one row (one text per model text column).</summary>
    public Explanation Explain(IReadOnlyList<string> texts)
    {
        var row = new TextRow();
        row.Set(texts);
        lock (_lock)
        {
            var view = _predictor.Context.Data.LoadFromEnumerable(new[] { row }, _predictor.InputDefinition);
            if (_linear != null) return _linear.Explain(view)[0];
            var (before, model) = _transformer!.Value;
            var seen = before.Transform(view);
            string text = Read(seen, model.TextColumnName);
            string? pair = model.PairColumnName is { } p ? Read(seen, p) : null;
            return model.Explain(text, pair, new IntegratedGradientsOptions { Steps = Steps });
        }
    }

    static string Read(IDataView data, string column) =>
        data.GetColumn<ReadOnlyMemory<char>>(column).Select(m => m.ToString()).First();

    static void Flatten(ITransformer t, List<ITransformer> into)
    {
        var type = t.GetType();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(TransformerChain<>) && t is IEnumerable<ITransformer> items)
            foreach (var item in items) Flatten(item, into);
        else into.Add(t);
    }
}
