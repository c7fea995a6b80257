namespace MLNetLlm.Torch.Compression.Pruning;

/// <summary>Where unstructured magnitude pruning ranks weights.</summary>
public enum PruningScope
{
    /// <summary>One threshold over all pruned weights together: layers with many small weights lose more.</summary>
    Global = 0,

    /// <summary>Every weight matrix loses the same fraction.</summary>
    PerLayer = 1,
}
