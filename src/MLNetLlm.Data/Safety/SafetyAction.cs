namespace MLNetLlm.Data.Safety;

/// <summary>What a matching lexicon term does to a row.</summary>
public enum SafetyAction
{
    /// <summary>The row is blocked: the output constraint step answers "blocked" and no label.</summary>
    Block,

    /// <summary>The row is flagged: it is predicted as usual, and a <c>review when flagged</c> rule can route it to review.</summary>
    Flag,
}
