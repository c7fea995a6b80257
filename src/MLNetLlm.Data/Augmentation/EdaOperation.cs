namespace MLNetLlm.Data.Augmentation;

/// <summary>The four "easy data augmentation" (EDA) edits of a text.</summary>
public enum EdaOperation
{
    /// <summary>Replace words (not stop words) with a synonym.</summary>
    SynonymReplacement,

    /// <summary>Insert a synonym of a word at a random position.</summary>
    RandomInsertion,

    /// <summary>Swap the positions of two words.</summary>
    RandomSwap,

    /// <summary>Delete words.</summary>
    RandomDeletion,
}
