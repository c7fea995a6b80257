namespace MLNetLlm.Cli.Prediction;

/// <summary>What <c>predict --explain</c> and <c>serve ?explain=true</c> share.</summary>
internal static class Explaining
{
    /// <summary>Checks <c>--top</c> / <c>top=</c>.</summary>
    public static void CheckTop(int top)
    {
        if (top < 1) throw new CliException($"--top must be at least 1, not {top}.");
    }

    /// <summary>The predictions with their explanations.</summary>
    public static List<Prediction> Add(ModelPredictor predictor, IReadOnlyList<string[]> texts, IReadOnlyList<Prediction> predictions, int top)
    {
        CheckTop(top);
        var explainer = PredictionExplainer.Create(predictor);
        return predictions.Select((p, i) => p with { Explanation = explainer.Explain(texts[i]) }).ToList();
    }
}
