namespace MLNetLlm.Torch.Trainers;

/// <summary>
/// A text model's inference: raw head outputs (logits, or the regression value) for a batch of texts or text pairs.
/// Implemented by the TorchSharp <see cref="Training.TextModel"/> and by the ONNX Runtime model of a compressed
/// classifier, so both are scored by the same <see cref="TextScorer"/> (lazy batched Transform and PredictionEngine).
/// Implementations are safe to call from several threads.
/// </summary>
internal interface ITextPredictor
{
    /// <summary>One raw output vector per text, in order; <paramref name="pairs"/> (same length) are the second segments, or null.</summary>
    float[][] Predict(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs, int batchSize);
}
