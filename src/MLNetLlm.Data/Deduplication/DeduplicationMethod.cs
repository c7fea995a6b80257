namespace MLNetLlm.Data.Deduplication;

/// <summary>How <see cref="Deduplicator"/> decides that two texts are duplicates.</summary>
public enum DeduplicationMethod
{
    /// <summary>Identical after normalization (exact comparison of the normalized text).</summary>
    Exact,

    /// <summary>Exact duplicates, then near duplicates: MinHash signatures with LSH banding, confirmed by estimated Jaccard similarity.</summary>
    NearDuplicate,
}
