namespace MLNetLlm.Chinese.Segmentation;

/// <summary>jieba's segmentation modes.</summary>
public enum SegmentationMode
{
    /// <summary>The most likely split into words, each character in exactly one word (清华大学 stays one word). For features and models.</summary>
    Precise,

    /// <summary>Precise words plus their 2- and 3-character dictionary sub-words (清华大学 → 清华 华大 大学 清华大学): more overlap between texts, for recall.</summary>
    Search,
}
