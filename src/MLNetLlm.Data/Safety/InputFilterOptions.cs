namespace MLNetLlm.Data.Safety;

/// <summary>Options of the input filter (<c>mlContext.Llm().FilterInput(…)</c>). At least a lexicon or a score column is needed.</summary>
public sealed class InputFilterOptions
{
    /// <summary>The text column the lexicon is matched against. Default "Text".</summary>
    public string InputColumnName { get; set; } = "Text";

    /// <summary>Terms that block or flag a row. Default null (no lexicon).</summary>
    public SafetyLexicon? Lexicon { get; set; }

    /// <summary>
    /// A numeric (Single) column holding a second classifier's score for the row (e.g. a toxicity model's Probability,
    /// renamed), produced earlier in the pipeline. Default null (no score).
    /// </summary>
    public string? ScoreColumnName { get; set; }

    /// <summary>The row is blocked when the score is at least this. Default null (never by score).</summary>
    public float? BlockAtScore { get; set; }

    /// <summary>The row is flagged when the score is at least this. Default null (never by score).</summary>
    public float? FlagAtScore { get; set; }

    /// <summary>Output: true when the row is blocked. Default "InputBlocked".</summary>
    public string BlockedColumnName { get; set; } = "InputBlocked";

    /// <summary>Output: true when the row is flagged (and not blocked). Default "InputFlagged".</summary>
    public string FlaggedColumnName { get; set; } = "InputFlagged";

    /// <summary>Output: why the row was blocked or flagged (the first cause), empty otherwise. Default "InputFilterReason".</summary>
    public string ReasonColumnName { get; set; } = "InputFilterReason";

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(InputColumnName, nameof(InputColumnName));
        if (Lexicon is null && ScoreColumnName is null)
            throw new ArgumentException("FilterInput needs a Lexicon, a ScoreColumnName, or both.");
        if (ScoreColumnName is not null && BlockAtScore is null && FlagAtScore is null)
            throw new ArgumentException($"FilterInput: ScoreColumnName '{ScoreColumnName}' is set but neither BlockAtScore nor FlagAtScore is.");
        if (ScoreColumnName is null && (BlockAtScore is not null || FlagAtScore is not null))
            throw new ArgumentException("FilterInput: BlockAtScore/FlagAtScore need a ScoreColumnName.");
        foreach (var (name, v) in new[] { ("BlockAtScore", BlockAtScore), ("FlagAtScore", FlagAtScore) })
            if (v is { } x && !float.IsFinite(x)) throw new ArgumentOutOfRangeException(name, x, $"FilterInput: {name} must be a finite number.");
        var outputs = new[] { BlockedColumnName, FlaggedColumnName, ReasonColumnName };
        if (outputs.Any(string.IsNullOrWhiteSpace) || outputs.Distinct(StringComparer.Ordinal).Count() != 3)
            throw new ArgumentException("FilterInput: the three output column names must be set and distinct.");
    }
}
