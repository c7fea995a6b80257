namespace MLNetLlm.Data.Deduplication;

/// <summary>What a shingle (the unit whose set Jaccard similarity compares) is made of.</summary>
public enum ShingleUnit
{
    /// <summary>Runs of <see cref="DeduplicationOptions.ShingleSize"/> consecutive words (letters/digits runs).</summary>
    Word,

    /// <summary>Runs of <see cref="DeduplicationOptions.ShingleSize"/> consecutive characters of the normalized text.</summary>
    Character,
}
