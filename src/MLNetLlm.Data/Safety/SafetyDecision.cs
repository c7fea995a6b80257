namespace MLNetLlm.Data.Safety;

/// <summary>The values of the output constraint step's Decision column.</summary>
public static class SafetyDecision
{
    /// <summary>No rule fired: the model's prediction stands.</summary>
    public const string Predict = "predict";

    /// <summary>The input filter blocked the row: no label.</summary>
    public const string Blocked = "blocked";

    /// <summary>A rule sent the row to a person: no label.</summary>
    public const string Review = "review";

    /// <summary>A rule withheld the answer (low confidence, or a never rule with <c>then abstain</c>): no label.</summary>
    public const string Abstain = "abstain";

    /// <summary>A never rule replaced the model's label with another one.</summary>
    public const string Replaced = "replaced";
}
