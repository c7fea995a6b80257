namespace MLNetLlm.Data.Safety;

/// <summary>Options of the output constraint step (<c>mlContext.Llm().ConstrainOutput(rules, options)</c>); defaults fit ML.NET's binary trainers.</summary>
public sealed class OutputConstraintOptions
{
    /// <summary>The model's predicted label: Boolean, text, or a key with key values. Default "PredictedLabel".</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>
    /// The class names: for a Boolean predicted label, [negative, positive] (default null: "False", "True"); for any
    /// label, rule labels outside this list are an error naming the rule's line. Default null.
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; set; }

    /// <summary>
    /// The confidence <c>abstain below</c> compares with: a Single column holding the positive class's probability
    /// (confidence = max(p, 1 − p)) or a vector of class probabilities (confidence = the largest). Default "Probability".
    /// </summary>
    public string ConfidenceColumnName { get; set; } = "Probability";

    /// <summary>The input text the rules' patterns are matched against. Default "Text".</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>The input filter's columns; used when present in the data. Defaults: InputBlocked, InputFlagged, InputFilterReason.</summary>
    public string BlockedColumnName { get; set; } = "InputBlocked";

    /// <inheritdoc cref="BlockedColumnName"/>
    public string FlaggedColumnName { get; set; } = "InputFlagged";

    /// <inheritdoc cref="BlockedColumnName"/>
    public string ReasonColumnName { get; set; } = "InputFilterReason";

    /// <summary>Output: predict, blocked, review, abstain or replaced. Default "Decision".</summary>
    public string DecisionColumnName { get; set; } = "Decision";

    /// <summary>Output: the label to show (the prediction, or a never rule's replacement), empty when there is none. Default "FinalLabel".</summary>
    public string FinalLabelColumnName { get; set; } = "FinalLabel";

    /// <summary>Output: the rule that fired (<c>file:line: rule</c>, or <c>input filter: …</c>), empty when none did. Default "Rule".</summary>
    public string RuleColumnName { get; set; } = "Rule";

    internal OutputConstraintOptions Clone() => (OutputConstraintOptions)MemberwiseClone();
}
