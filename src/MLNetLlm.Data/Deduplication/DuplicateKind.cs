namespace MLNetLlm.Data.Deduplication;

/// <summary>Whether a row was kept, or why it was dropped.</summary>
public enum DuplicateKind : byte
{
    /// <summary>Kept: the first of its kind.</summary>
    Kept,

    /// <summary>Dropped: its normalized text equals an earlier row's.</summary>
    Exact,

    /// <summary>Dropped: its estimated Jaccard similarity to an earlier kept row reaches the threshold.</summary>
    Near,
}
