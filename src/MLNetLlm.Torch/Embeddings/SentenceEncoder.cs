using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Embeddings;

/// <summary>
/// A BERT encoder used as a sentence encoder: the mean of the last hidden states over the attention mask (padding and
/// nothing else excluded; <c>[CLS]</c> and <c>[SEP]</c> count, as in sentence-transformers), optionally L2-normalised.
/// Inference is batched, without gradients, one dispose scope per batch; rows are batched by token length so little
/// padding is computed, and results come back in input order. Safe to call from several threads (one batch at a time).
/// </summary>
internal sealed class SentenceEncoder : ITextPredictor, IDisposable
{
    readonly object _lock = new();

    SentenceEncoder(BertForSequenceClassification model, BertTextTokenizer tokenizer, Device device, int maxLength, bool normalize, int? threads)
    {
        Model = model;
        Tokenizer = tokenizer;
        Device = device;
        MaxLength = maxLength;
        Normalize = normalize;
        Threads = threads;
    }

    public BertForSequenceClassification Model { get; }
    public BertTextTokenizer Tokenizer { get; }
    public Device Device { get; }
    public int MaxLength { get; }
    public bool Normalize { get; }
    public int? Threads { get; }
    public int Dimension => Model.Config.HiddenSize;

    /// <summary>Loads a HF-layout folder (config.json, model.safetensors, vocab.txt); a missing classification head is fine.</summary>
    /// <param name="maxLength">Tokens per text including [CLS]/[SEP]; null: the smaller of <see cref="SentenceEmbeddingEstimator.Defaults.MaxLength"/> and the checkpoint's positions.</param>
    public static SentenceEncoder Load(string directory, string? device, int? maxLength, bool normalize, int? threads)
    {
        var dev = Devices.TorchDevice.Resolve(device);
        var compute = ComputeSettings.For(dev, mixedPrecision: false);
        var (model, tokenizer, _) = HuggingFaceCheckpoint.Load(directory, CPU, compute, allowNewHead: true);
        try
        {
            int positions = model.Config.MaxPositionEmbeddings;
            int length = maxLength ?? Math.Min(SentenceEmbeddingEstimator.Defaults.MaxLength, positions);
            if (length > positions)
                throw new ArgumentOutOfRangeException(nameof(maxLength), length, $"MaxLength {length} exceeds the checkpoint's max_position_embeddings {positions} ('{directory}').");
            model.to(dev);
            model.eval();
            return new SentenceEncoder(model, tokenizer, dev, length, normalize, threads);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes the encoder as a HF-layout folder.</summary>
    public void Save(string directory) => HuggingFaceCheckpoint.Save(directory, Model, Tokenizer);

    /// <summary>One embedding per text, in order. <paramref name="pairs"/> must be null (sentence embeddings read one text).</summary>
    public float[][] Predict(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs, int batchSize)
    {
        if (pairs != null) throw new NotSupportedException("Sentence embeddings read one text column.");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var rows = new EncodedRow[texts.Count];
        Parallel.For(0, rows.Length, i => rows[i] = Tokenizer.EncodeRow(texts[i], null, MaxLength));
        // Longest first, so each batch pads to nearly its own length (a stable sort keeps equal lengths in input order).
        var order = Enumerable.Range(0, rows.Length).OrderByDescending(i => rows[i].Ids.Length).ToArray();
        var result = new float[texts.Count][];
        lock (_lock)
        {
            int saved = get_num_threads();
            if (Threads is int t && t != saved) set_num_threads(t);
            try
            {
                Model.eval();
                using var _ = no_grad();
                for (int start = 0; start < order.Length; start += batchSize)
                {
                    using var scope = NewDisposeScope();
                    int n = Math.Min(batchSize, order.Length - start);
                    var batch = Tokenizer.Collate(order.AsSpan(start, n).ToArray().Select(i => rows[i]).ToArray());
                    var (ids, mask, types) = batch.ToTensors(Device);
                    var pooled = Pool(Model.Bert.Forward(ids, mask, types, null).Hidden, mask, Normalize).cpu();
                    var flat = pooled.data<float>().ToArray();
                    int h = (int)pooled.shape[1];
                    for (int i = 0; i < n; i++) result[order[start + i]] = flat.AsSpan(i * h, h).ToArray();
                }
            }
            finally
            {
                if (Threads is int t2 && t2 != saved) set_num_threads(saved);
            }
        }
        return result;
    }

    /// <summary>Mean of <paramref name="hidden"/> [B, T, H] over the positions where <paramref name="mask"/> [B, T] is 1, then optional L2 normalisation: [B, H] float32.</summary>
    internal static Tensor Pool(Tensor hidden, Tensor mask, bool normalize)
    {
        var h = hidden.to_type(ScalarType.Float32);
        var m = mask.to_type(ScalarType.Float32).unsqueeze(-1);        // [B, T, 1]
        var sum = (h * m).sum(1);                                         // [B, H]
        var count = m.sum(1).clamp_min(1e-9);                             // [B, 1]
        var mean = sum / count;
        return normalize ? nn.functional.normalize(mean, p: 2, dim: 1, eps: 1e-12) : mean;
    }

    public void Dispose() => Model.Dispose();
}
