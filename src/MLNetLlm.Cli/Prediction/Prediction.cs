namespace MLNetLlm.Cli.Prediction;

/// <summary>One prediction, the same shape for every task.</summary>
/// <param name="Label">The predicted class (classification) or null (regression).</param>
/// <param name="Score">The raw score (binary margin, regression value, or the predicted class's probability for multiclass).</param>
/// <param name="Probability">Binary: the probability of the positive class. Multiclass: the predicted class's probability.</param>
/// <param name="Classes">Multiclass: the probability of every class, in the model's class order.</param>
internal sealed record Prediction(string? Label, float Score, float? Probability, IReadOnlyDictionary<string, float>? Classes)
{
    /// <summary>A guarded model's (see <c>mlnet-llm guard</c>) decision and the rule that fired; null for a model without safety filters.</summary>
    public SafetyOutcome? Safety { get; init; }

    /// <summary>The tokens or n-grams that drove the output (<c>--explain</c>, <c>?explain=true</c>); null when not asked for.</summary>
    public MLNetLlm.Explanations.Explanation? Explanation { get; init; }
}

/// <summary>The output constraint step's answer: Decision (predict, blocked, review, abstain, replaced), the label to show, the rule that fired (empty when none).</summary>
internal sealed record SafetyOutcome(string Decision, string FinalLabel, string Rule);
