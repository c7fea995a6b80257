namespace MLNetLlm.Chinese.Segmentation;

/// <summary>The shape of the segmented column.</summary>
public enum WordSegmentationOutput
{
    /// <summary>One text with the words joined by <see cref="WordSegmentationOptions.Separator"/> (a space by default), so ML.NET's FeaturizeText sees words.</summary>
    Text,

    /// <summary>A variable-length vector of text, one word per slot (for ProduceNgrams, MapValueToKey, …).</summary>
    Tokens,
}
