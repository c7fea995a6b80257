using System.Diagnostics;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Training;

/// <summary>Training rows: texts, optional pair texts and targets (class index, or the regression value).</summary>
internal sealed record TrainingRows(IReadOnlyList<string> Texts, IReadOnlyList<string>? Pairs, float[] Targets)
{
    public int Count => Texts.Count;
}

/// <summary>
/// The training loop shared by the trainers and the compression steps: AdamW with decoupled decay, linear
/// warm-up/decay, global-norm clipping, gradient accumulation, per-epoch validation with early stopping (best weights
/// kept), deterministic shuffling and dropout seeds per batch (so a resumed run equals an uninterrupted one),
/// checkpoints, progress and cancellation. <see cref="FineTuningHooks"/> swap the loss and run code after every step
/// and epoch. Every step runs in its own dispose scope, so memory stays flat across epochs.
/// </summary>
internal static class FineTuner
{
    public static void Train(TextModel tm, TrainingRows train, TrainingRows? valid, TransformerTrainingOptions o, string fingerprint, FineTuningHooks? hooks = null) =>
        Train(tm.Target, train, valid, o, fingerprint, hooks);

    public static void Train(FineTuningTarget tm, TrainingRows train, TrainingRows? valid, TransformerTrainingOptions o, string fingerprint, FineTuningHooks? hooks = null)
    {
        if (train.Count == 0) throw new ArgumentException("The training data has no rows.");
        hooks ??= new FineTuningHooks();
        if (hooks.ExtraParameters.Count > 0 && o.CheckpointDirectory != null)
            throw new NotSupportedException("Extra trained parameters are not checkpointed; train without a CheckpointDirectory.");
        var lossOf = hooks.Loss ?? TaskLoss;
        var model = tm.Model;
        var rows = Encode(tm, train);
        var validRows = valid is { Count: > 0 } ? Encode(tm, valid) : null;
        int n = rows.Length, bs = o.BatchSize, accum = o.GradientAccumulationSteps;
        int batches = (n + bs - 1) / bs;
        long stepsPerEpoch = (batches + accum - 1) / accum;
        int epochs = o.EffectiveEpochs(stepsPerEpoch);
        long totalSteps = stepsPerEpoch * epochs;
        var schedule = new LinearWarmupSchedule(o.EffectiveLearningRate, (long)Math.Round(totalSteps * o.WarmupFraction), totalSteps);
        // Two parameter groups on one schedule: the classification head at its own (larger) rate, everything else at the encoder's.
        double headScale = o.EffectiveHeadLearningRate / o.EffectiveLearningRate;
        using var opt = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)).Concat(hooks.ExtraParameters),
            weightDecay: o.WeightDecay, decays: AdamW.DecaysByDefault,
            learningRateScale: name => name.StartsWith("classifier.", StringComparison.Ordinal) ? headScale : 1.0);
        var vocabulary = o.PretrainedModelPath is null ? tm.Tokenizer.Vocabulary : null;

        var state = new TrainingCheckpoint.State { Fingerprint = fingerprint };
        Dictionary<string, Tensor>? best = null;
        string? ckptDir = o.CheckpointDirectory;
        if (ckptDir != null && TrainingCheckpoint.Exists(ckptDir))
            state = TrainingCheckpoint.Load(ckptDir, fingerprint, model, opt, out best);

        var sw = Stopwatch.StartNew();
        long samples = 0, stepsHere = 0;
        double lr = 0, stepLoss = 0;
        int stepRows = 0;
        void Report(bool epochEnd, double? valLoss)
        {
            if (o.Progress is null) return;
            double secs = Math.Max(sw.Elapsed.TotalSeconds, 1e-9);
            var eta = stepsHere == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(secs / stepsHere * (totalSteps - state.Step));
            o.Progress.Report(new TrainingProgress(Math.Min(state.Epoch + (epochEnd ? 0 : 1), epochs), epochs, state.Step, totalSteps,
                state.LossCount == 0 ? 0 : state.LossSum / state.LossCount, lr, samples / secs, sw.Elapsed, eta, epochEnd, valLoss));
        }
        void Checkpoint()
        {
            if (ckptDir != null) TrainingCheckpoint.Save(ckptDir, state, model, opt, best, vocabulary);
        }

        try
        {
            o.CancellationToken.ThrowIfCancellationRequested();
            while (state.Epoch < epochs && !state.Stopped)
            {
                int epoch = state.Epoch;
                var order = Shuffle(n, o.Seed, epoch);
                model.train();
                for (int b = state.Batch; b < batches; b++)
                {
                    int groupStart = b - b % accum, groupSize = Math.Min(accum, batches - groupStart);
                    using (var scope = NewDisposeScope())
                    {
                        // Dropout masks come from the model's own generator, seeded per batch (resumable, and unaffected by
                        // other trainings in the process); fused SDPA's attention dropout can only use the global one.
                        long batchSeed = ((long)o.Seed * 1_000_003L) ^ ((long)epoch * 100_003L + b);
                        model.Compute.SeedDropout(batchSeed, tm.Device);
                        if (model.Compute.UseSdpa) manual_seed(batchSeed);
                        int start = b * bs, count = Math.Min(bs, n - start);
                        var batchRows = new EncodedRow[count];
                        var targets = new float[count];
                        for (int i = 0; i < count; i++) { batchRows[i] = rows[order[start + i]]; targets[i] = train.Targets[order[start + i]]; }
                        var loss = lossOf(model, Collate(tm, batchRows, targets, order[start..(start + count)], validation: false));
                        (loss / groupSize).backward();
                        float value = loss.item<float>();
                        state.LossSum += value * count;
                        state.LossCount += count;
                        stepLoss += value * count;
                        stepRows += count;
                        samples += count;
                    }
                    if ((b + 1) % accum != 0 && b != batches - 1) continue;
                    opt.ClipGradNorm(o.MaxGradNorm);
                    lr = schedule.At(state.Step);
                    opt.Step(lr);
                    opt.ZeroGrad();
                    state.Step++;
                    stepsHere++;
                    state.Batch = b + 1;
                    hooks.StepCompleted?.Invoke(new TrainingStep(model, state.Step, totalSteps, epoch + 1, lr, stepLoss / stepRows));
                    stepLoss = 0;
                    stepRows = 0;
                    Report(false, null);
                    if (o.CancellationToken.IsCancellationRequested)
                    {
                        Checkpoint();
                        o.CancellationToken.ThrowIfCancellationRequested();
                    }
                    if (state.Step % o.CheckpointEverySteps == 0 && b + 1 < batches) Checkpoint();
                }

                double? valLoss = null;
                if (validRows != null)
                {
                    valLoss = Evaluate(tm, validRows, valid!.Targets, o.InferenceBatchSize, lossOf);
                    if (valLoss < state.BestLoss - 1e-7)
                    {
                        state.BestLoss = valLoss.Value;
                        state.BadEpochs = 0;
                        if (best != null) foreach (var t in best.Values) t.Dispose();
                        best = TrainingCheckpoint.Trainable(model).ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().clone(), StringComparer.Ordinal);
                    }
                    else if (o.EarlyStoppingPatience > 0 && ++state.BadEpochs >= o.EarlyStoppingPatience) state.Stopped = true;
                }
                state.Epoch = epoch + 1;
                state.Batch = 0;
                hooks.EpochCompleted?.Invoke(new TrainingEpoch(model, state.Epoch, state.Step, state.LossCount == 0 ? 0 : state.LossSum / state.LossCount, valLoss));
                Report(true, valLoss);
                state.LossSum = 0;
                state.LossCount = 0;
                Checkpoint();
            }
            if (best != null)
            {
                using var _ = no_grad();
                foreach (var (name, p) in TrainingCheckpoint.Trainable(model)) p.copy_(best[name]);
            }
        }
        finally
        {
            if (best != null) foreach (var t in best.Values) t.Dispose();
            model.eval();
        }
    }

    /// <summary>Tokenizes every row once (in parallel; the result does not depend on the thread count).</summary>
    static EncodedRow[] Encode(FineTuningTarget tm, TrainingRows data)
    {
        var result = new EncodedRow[data.Count];
        Parallel.For(0, result.Length, i => result[i] = tm.Tokenizer.EncodeRow(data.Texts[i], data.Pairs?[i], tm.MaxLength));
        return result;
    }

    /// <summary>Pads <paramref name="rows"/> to their longest and puts them with their targets on the training device.</summary>
    static TrainingBatch Collate(FineTuningTarget tm, EncodedRow[] rows, float[] targets, int[] indices, bool validation)
    {
        var (ids, mask, types) = tm.Tokenizer.Collate(rows).ToTensors(tm.Device);
        var y = tm.Task == TextTask.Regression
            ? tensor(targets, device: tm.Device)
            : tensor(targets.Select(t => (long)t).ToArray(), device: tm.Device);
        return new TrainingBatch(ids, mask, types, y, tm.Task, indices, validation);
    }

    /// <summary>The task's loss: cross-entropy over the logits for classification, MSE for regression.</summary>
    public static Tensor TaskLoss(BertForSequenceClassification model, TrainingBatch batch)
    {
        var logits = model.Forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        return batch.Task == TextTask.Regression
            ? nn.functional.mse_loss(logits.squeeze(-1), batch.Targets)
            : nn.functional.cross_entropy(logits, batch.Targets);
    }

    /// <summary>Mean loss over <paramref name="rows"/> without dropout or gradients.</summary>
    static double Evaluate(FineTuningTarget tm, EncodedRow[] rows, float[] targets, int batchSize, TrainingLoss loss)
    {
        tm.Model.eval();
        double sum = 0;
        using (no_grad())
            for (int start = 0; start < rows.Length; start += batchSize)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(batchSize, rows.Length - start);
                var batch = Collate(tm, rows[start..(start + count)], targets[start..(start + count)], Enumerable.Range(start, count).ToArray(), validation: true);
                sum += loss(tm.Model, batch).item<float>() * count;
            }
        tm.Model.train();
        return sum / rows.Length;
    }

    static int[] Shuffle(int n, int seed, int epoch)
    {
        var order = Enumerable.Range(0, n).ToArray();
        new Random(unchecked(seed * 7919 + epoch * 104729 + 17)).Shuffle(order);
        return order;
    }
}
