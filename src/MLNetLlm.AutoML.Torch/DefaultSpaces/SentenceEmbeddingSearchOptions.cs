namespace MLNetLlm.AutoML.Torch.DefaultSpaces;

/// <summary>The searched options of <c>mlContext.Llm().SentenceEmbedding</c> (a pretrained encoder as featurizer).</summary>
public sealed class SentenceEmbeddingSearchOptions
{
    /// <summary>Scale embeddings to unit L2 norm. Default true.</summary>
    [BooleanChoice]
    public bool Normalize { get; set; } = true;

    /// <summary>Tokens per text (capped by the checkpoint's positions): 64, 128 or 256. Default 128.</summary>
    [Choice(64, 128, 256)]
    public int MaxLength { get; set; } = 128;
}
