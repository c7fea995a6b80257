using MLNetLlm.Torch.Pretrained;

namespace MLNetLlm.Torch.Embeddings;

/// <summary>Turns a <see cref="SentenceEmbeddingEstimator.Options.PretrainedModel"/> setting into a HF-layout folder.</summary>
internal static class EncoderSource
{
    /// <summary>
    /// The folder for <paramref name="model"/>: a catalogue name (all-MiniLM-L6-v2, arctic-embed-xs; converted into the
    /// model cache on first use), a HF BERT folder, or a BERT <c>.onnx</c> with vocab.txt beside it (see
    /// <see cref="PretrainedModels.Resolve(string, IProgress{string}, CancellationToken)"/>).
    /// </summary>
    public static string Resolve(string model) => PretrainedModels.Resolve(model);
}
