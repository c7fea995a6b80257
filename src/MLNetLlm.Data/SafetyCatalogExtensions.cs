using MLNetLlm.Data.Safety;

namespace MLNetLlm.Data;

/// <summary>Safety filters around a model on <c>mlContext.Llm()</c>: an input filter before it, output rules after it.</summary>
public static class SafetyCatalogExtensions
{
    /// <summary>Marks rows blocked or flagged by a lexicon and/or a second classifier's score (see <see cref="InputFilterOptions"/>).</summary>
    /// <example><code>
    /// var pipeline = mlContext.Llm().FilterInput(new InputFilterOptions { InputColumnName = "Text", Lexicon = SafetyLexicon.Load("blocklist.txt") })
    ///     .Append(textPipeline)
    ///     .Append(mlContext.Llm().ConstrainOutput(OutputRules.Load("rules.txt"), new OutputConstraintOptions { ClassNames = ["ham", "spam"] }));
    /// </code></example>
    public static InputFilterEstimator FilterInput(this LlmCatalog catalog, InputFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new InputFilterEstimator(options);
    }

    /// <summary>Applies output rules (abstain, never, review) after a model; adds Decision, FinalLabel and Rule (see <see cref="OutputRules"/>).</summary>
    /// <example><code>var guarded = model.Append(mlContext.Llm().ConstrainOutput(OutputRules.Load("rules.txt")).Fit(scored));</code></example>
    public static OutputConstraintEstimator ConstrainOutput(this LlmCatalog catalog, OutputRules rules, OutputConstraintOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new OutputConstraintEstimator(rules, options);
    }
}
