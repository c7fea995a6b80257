namespace MLNetLlm.Cli.Prediction;

/// <summary>One prediction, the same shape for every task.</summary>
/// <param name="Label">The predicted class (classification) or null (regression).</param>
/// <param name="Score">The raw score (binary margin, regression value, or the predicted class's probability for multiclass).</param>
/// <param name="Probability">Binary: the probability of the positive class. Multiclass: the predicted class's probability.</param>
/// <param name="Classes">Multiclass: the probability of every class, in the model's class order.</param>
internal sealed record Prediction(string? Label, float Score, float? Probability, IReadOnlyDictionary<string, float>? Classes);
