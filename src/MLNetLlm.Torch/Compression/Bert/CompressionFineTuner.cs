using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Bert;

/// <summary>Texts (optionally pairs) with class indices: what the compression steps fine-tune on.</summary>
internal sealed record LabeledTexts(IReadOnlyList<string> Texts, IReadOnlyList<string>? Pairs, long[] Labels)
{
    public int Count => Texts.Count;
}

/// <summary>One tokenized batch on the training device with its labels.</summary>
internal sealed record TrainingBatch(Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds, Tensor Labels);

/// <summary>
/// The training loop of the compression steps (recovery fine-tuning while pruning, student training while distilling):
/// AdamW with decoupled decay, linear warm-up (10%) and decay, global-norm clipping at 1, deterministic shuffling, and a
/// callback after every optimizer step (where masks are re-applied). The loss is a delegate, so distillation can run
/// the teacher inside it.
/// </summary>
internal static class CompressionFineTuner
{
    public static void Train(BertForSequenceClassification model, BertTextTokenizer tokenizer, LabeledTexts data, int maxLength, Device device,
        int epochs, double learningRate, int batchSize, int seed, Func<BertForSequenceClassification, TrainingBatch, Tensor>? loss = null,
        Action<int>? onStepEnd = null, IEnumerable<(string Name, TorchSharp.Modules.Parameter Parameter)>? extraParameters = null,
        CancellationToken cancellation = default)
    {
        if (data.Count == 0) throw new ArgumentException("The training data has no rows.");
        if (epochs <= 0) return;
        loss ??= static (m, b) => nn.functional.cross_entropy(m.Forward(b.InputIds, b.AttentionMask, b.TokenTypeIds), b.Labels);
        var encoded = Encode(tokenizer, data, maxLength);
        int batches = (data.Count + batchSize - 1) / batchSize;
        long total = (long)batches * epochs;
        var schedule = new LinearWarmupSchedule(learningRate, (long)Math.Round(total * 0.1), total);
        var parameters = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).Concat(extraParameters ?? []);
        using var optimizer = new AdamW(parameters, weightDecay: 0.01, decays: AdamW.DecaysByDefault);
        int step = 0;
        model.train();
        try
        {
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                var order = Enumerable.Range(0, data.Count).ToArray();
                new Random(unchecked(seed * 7919 + epoch * 104729 + 23)).Shuffle(order);
                for (int b = 0; b < batches; b++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    using (var scope = NewDisposeScope())
                    {
                        manual_seed(((long)seed * 1_000_003L) ^ ((long)epoch * 100_003L + b));
                        var rows = order.Skip(b * batchSize).Take(batchSize).ToArray();
                        var batch = Collate(encoded, data.Labels, rows, device, tokenizer.PadId);
                        loss(model, batch).backward();
                    }
                    optimizer.ClipGradNorm(1.0);
                    optimizer.Step(schedule.At(step));
                    optimizer.ZeroGrad();
                    onStepEnd?.Invoke(step);
                    step++;
                }
            }
        }
        finally
        {
            model.eval();
        }
    }

    /// <summary>Token ids and segment ids of every row, without padding (tokenized once, in parallel).</summary>
    public static (long[] Ids, long[] Types)[] Encode(BertTextTokenizer tokenizer, LabeledTexts data, int maxLength)
    {
        var result = new (long[], long[])[data.Count];
        Parallel.For(0, (data.Count + 63) / 64, chunk =>
        {
            int start = chunk * 64, n = Math.Min(64, data.Count - start);
            var batch = tokenizer.Encode(data.Texts.Skip(start).Take(n).ToArray(), data.Pairs?.Skip(start).Take(n).ToArray(), maxLength);
            for (int r = 0; r < n; r++)
            {
                int length = 0;
                for (int t = 0; t < batch.Length; t++) if (batch.AttentionMask[r * batch.Length + t] != 0) length = t + 1;
                result[start + r] = (batch.InputIds.AsSpan(r * batch.Length, length).ToArray(), batch.TokenTypeIds.AsSpan(r * batch.Length, length).ToArray());
            }
        });
        return result;
    }

    /// <summary>Pads rows <paramref name="rows"/> to their longest and puts them on <paramref name="device"/> with their labels.</summary>
    public static TrainingBatch Collate((long[] Ids, long[] Types)[] encoded, long[] labels, IReadOnlyList<int> rows, Device device, int padId)
    {
        int length = rows.Max(r => encoded[r].Ids.Length);
        var ids = new long[rows.Count * length];
        if (padId != 0) Array.Fill(ids, (long)padId);
        var mask = new long[rows.Count * length];
        var types = new long[rows.Count * length];
        for (int i = 0; i < rows.Count; i++)
        {
            var (rowIds, rowTypes) = encoded[rows[i]];
            rowIds.CopyTo(ids, i * length);
            rowTypes.CopyTo(types, i * length);
            mask.AsSpan(i * length, rowIds.Length).Fill(1);
        }
        Tensor T(long[] v) => tensor(v, device: device).reshape(rows.Count, length);
        return new TrainingBatch(T(ids), T(mask), T(types), tensor(rows.Select(r => labels[r]).ToArray(), device: device));
    }

    /// <summary>Logits of every row (no gradient, eval mode), row-major [rows × labels].</summary>
    public static float[][] Logits(BertForSequenceClassification model, BertTextTokenizer tokenizer, IReadOnlyList<string> texts,
        IReadOnlyList<string>? pairs, int maxLength, Device device, int batchSize = 32)
    {
        model.eval();
        using var _ = no_grad();
        var result = new float[texts.Count][];
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(batchSize, texts.Count - start);
            var encoded = tokenizer.Encode(texts.Skip(start).Take(n).ToArray(), pairs?.Skip(start).Take(n).ToArray(), maxLength);
            var (ids, mask, types) = encoded.ToTensors(device);
            var logits = model.Forward(ids, mask, types).cpu();
            var flat = logits.data<float>().ToArray();
            int k = (int)logits.shape[1];
            for (int i = 0; i < n; i++) result[start + i] = flat.AsSpan(i * k, k).ToArray();
        }
        return result;
    }
}
