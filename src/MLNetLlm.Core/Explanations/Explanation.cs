namespace MLNetLlm.Explanations;

/// <summary>
/// Why a model gave one output. <see cref="Reference"/> plus the sum of <see cref="Features"/> equals <see cref="Output"/>
/// (exactly for feature contributions of a linear model, where the reference is the bias; within the integration error
/// for integrated gradients, where it is the output on the baseline input).
/// </summary>
public sealed record Explanation
{
    /// <summary>"feature-contribution" (linear models: weight × feature value) or "integrated-gradients" (transformers).</summary>
    public required string Method { get; init; }

    /// <summary>What is explained: "score" (a binary model's raw score), a class name (multiclass), or "value" (regression).</summary>
    public required string Target { get; init; }

    /// <summary>The explained output for the input (binary: the raw score/log-odds; multiclass: the class's raw score).</summary>
    public required double Output { get; init; }

    /// <summary>The output the contributions are measured from: the bias (linear) or the output on the baseline (integrated gradients).</summary>
    public required double Reference { get; init; }

    /// <summary>Every feature with a non-zero contribution (linear: n-gram slots; integrated gradients: words).</summary>
    public required IReadOnlyList<FeatureWeight> Features { get; init; }

    /// <summary>Integrated gradients: the contribution of every WordPiece token, [CLS] and [SEP] included (null for linear models).</summary>
    public IReadOnlyList<FeatureWeight>? Tokens { get; init; }

    /// <summary>The <paramref name="k"/> features with the largest absolute contribution, largest first.</summary>
    public IReadOnlyList<FeatureWeight> Top(int k) =>
        Features.OrderByDescending(f => Math.Abs(f.Weight)).ThenBy(f => f.Name, StringComparer.Ordinal).Take(Math.Max(0, k)).ToList();
}
