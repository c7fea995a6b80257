using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Torch.Compression.Onnx;

/// <summary>
/// A compressed classifier's inference: tokenizes with the model's BERT tokenizer and runs the ONNX model with ONNX
/// Runtime in batches, returning the logits per text (the <see cref="ITextPredictor"/> of the ONNX path).
/// </summary>
internal sealed class OnnxTextPredictor(OnnxSequenceClassifier session, BertTextTokenizer tokenizer, int maxLength) : ITextPredictor, IDisposable
{
    public OnnxSequenceClassifier Session { get; } = session;
    public BertTextTokenizer Tokenizer { get; } = tokenizer;
    public int MaxLength { get; } = maxLength;

    public float[][] Predict(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (pairs != null && pairs.Count != texts.Count) throw new ArgumentException($"{texts.Count} texts but {pairs.Count} second texts.", nameof(pairs));
        var result = new float[texts.Count][];
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, texts.Count - start);
            var batch = Tokenizer.Encode(texts.Skip(start).Take(n).ToArray(), pairs?.Skip(start).Take(n).ToArray(), MaxLength);
            float[] logits = Session.Logits(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds, n);
            int k = logits.Length / n;
            for (int i = 0; i < n; i++) result[start + i] = logits.AsSpan(i * k, k).ToArray();
        }
        return result;
    }

    public void Dispose() => Session.Dispose();
}
