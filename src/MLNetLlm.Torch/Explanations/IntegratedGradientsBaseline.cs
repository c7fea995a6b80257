namespace MLNetLlm.Torch.Explanations;

/// <summary>The input integrated gradients start from.</summary>
public enum IntegratedGradientsBaseline
{
    /// <summary>Every token but [CLS] and [SEP] replaced by [PAD]'s embedding (specials keep theirs, so they get no attribution).</summary>
    Pad,

    /// <summary>Every token but [CLS] and [SEP] replaced by a zero embedding.</summary>
    Zero,
}
