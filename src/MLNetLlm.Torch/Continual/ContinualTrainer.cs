using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MLNetLlm.Torch.Devices;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Continual;

/// <summary>
/// The continual-learning fit of <see cref="TextClassificationTrainer"/>: start from the previous model's weights, keep
/// the new rows the previous model gets wrong or is unsure about, mix in a replay sample of remembered rows, add the
/// EWC penalty of the stored Fisher to every training batch's loss (not to the validation loss), then estimate the
/// Fisher of the new model on the new rows and keep it, summed with the earlier rounds', with the new weights as anchor.
/// </summary>
internal static class ContinualTrainer
{
    public static TextModel Fit(IDataView data, TextClassificationTrainer.Options o, ContinualLearningOptions c, TextTask task,
        IReadOnlyList<string> labels, out ContinualReport report)
    {
        o.Validate();
        c.Validate();
        if (o.Mode != FineTuningMode.Full) throw new NotSupportedException($"Continual learning trains every weight: use Mode {FineTuningMode.Full}, not {o.Mode}.");
        if (o.CheckpointDirectory != null) throw new NotSupportedException("Continual learning does not write resumable checkpoints; leave CheckpointDirectory null.");
        var all = TrainerCore.Read(data, o.TextColumnName, o.SecondTextColumnName, o.LabelColumnName, task);
        TrainingRows train = all, valid;
        if (o.ValidationData != null) valid = TrainerCore.Read(o.ValidationData, o.TextColumnName, o.SecondTextColumnName, o.LabelColumnName, task);
        else if (o.ValidationFraction > 0) (train, valid) = TrainerCore.Split(all, o.ValidationFraction, o.Seed);
        else valid = null!;
        if (train.Count == 0) throw new ArgumentException($"The training data has no rows (column '{o.TextColumnName}').");

        var previous = c.PreviousModel;
        if (previous != null)
        {
            if (previous.Model.Task != task || !previous.Labels.SequenceEqual(labels, StringComparer.Ordinal))
                throw new ArgumentException($"The new data's labels ({string.Join(", ", labels)}) differ from the previous model's ({string.Join(", ", previous.Labels)}).");
            if (previous.Model.Model.Prompt != null) throw new NotSupportedException("A prompt-tuned previous model cannot be continued.");
        }
        var model = previous is null
            ? TextModel.Create(o, task, labels, () => train.Pairs is null ? train.Texts : train.Texts.Concat(train.Pairs))
            : Clone(previous.Model, o);
        try
        {
            var newRows = train;
            if (c.SelectionThreshold > 0)
            {
                var logits = previous!.Model.Predict(train.Texts, train.Pairs, o.InferenceBatchSize);
                train = Take(train, ConfidenceSelection.Select(logits, train.Targets, c.SelectionThreshold));
            }
            int selected = train.Count, replayed = 0;
            if (c.ReplayRows != null && c.ReplaySize > 0)
            {
                var memory = TrainerCore.Read(c.ReplayRows, o.TextColumnName, o.SecondTextColumnName, o.LabelColumnName, task);
                var random = new Random(unchecked(o.Seed * 48271 + 11));
                var pick = c.ReplayPolicy == ReplayPolicy.Reservoir
                    ? ReservoirSampler.Sample(memory.Count, c.ReplaySize, random)
                    : ClassBalancedReservoir.Sample(memory.Targets.Select(t => t.ToString(CultureInfo.InvariantCulture)).ToArray(), c.ReplaySize, random);
                train = Concat(train, Take(memory, pick));
                replayed = pick.Length;
            }
            if (c.EwcLambda > 0 && model.Continual is null && previous != null && c.PreviousTaskRows != null)
            {
                var earlier = TrainerCore.Read(c.PreviousTaskRows, o.TextColumnName, o.SecondTextColumnName, o.LabelColumnName, task);
                if (earlier.Count == 0) throw new ArgumentException("PreviousTaskRows has no rows.");
                model.Continual = new ContinualState(ElasticWeightConsolidation.Fisher(model.Target, earlier, c.FisherSamples, o.Seed),
                    ElasticWeightConsolidation.Snapshot(model.Model), rounds: 1, Math.Min(earlier.Count, c.FisherSamples), c.MemoryReference);
            }
            ElasticWeightConsolidation? ewc = null;
            if (c.EwcLambda > 0)
                ewc = new ElasticWeightConsolidation(model.Model, model.Continual ?? throw new ArgumentException(previous is null
                    ? "EwcLambda needs a PreviousModel."
                    : "EwcLambda needs the previous model's Fisher diagonal, which it does not have: it was trained without ContinualLearning options (give PreviousTaskRows to estimate it)."), c.EwcLambda);
            try
            {
                var hooks = ewc is null ? null : new FineTuningHooks
                {
                    Loss = (m, batch) => batch.IsValidation ? FineTuner.TaskLoss(m, batch) : FineTuner.TaskLoss(m, batch) + ewc.Penalty(),
                };
                if (train.Count > 0) FineTuner.Train(model, train, valid, o, "continual", hooks);
            }
            finally { ewc?.Dispose(); }
            model.MergeAdapters();

            var sw = Stopwatch.StartNew();
            var fisher = ElasticWeightConsolidation.Fisher(model.Target, newRows, c.FisherSamples, o.Seed);
            var old = model.Continual;
            if (old != null)
                foreach (var (name, f) in fisher)
                    if (old.Fisher.TryGetValue(name, out var of)) f.add_(of);
            var state = new ContinualState(fisher, ElasticWeightConsolidation.Snapshot(model.Model), (old?.Rounds ?? 0) + 1,
                Math.Min(newRows.Count, c.FisherSamples), c.MemoryReference ?? old?.MemoryReference);
            old?.Dispose();
            model.Continual = state;
            report = new ContinualReport(newRows.Count, selected, replayed, c.EwcLambda, state.Rounds, sw.Elapsed.TotalSeconds);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>A trainable copy of <paramref name="previous"/> (weights and continual state) on the options' device.</summary>
    static TextModel Clone(TextModel previous, TransformerTrainingOptions o)
    {
        string dir = Directory.CreateTempSubdirectory("mlnetllm-continual-").FullName;
        try
        {
            previous.Save(dir);
            var model = TextModel.Load(dir, TorchDevice.Resolve(o.Device), o.MixedPrecision);
            foreach (var p in model.Model.parameters()) p.requires_grad = true;
            return model;
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    internal static TrainingRows Take(TrainingRows rows, IReadOnlyList<int> idx) =>
        new(idx.Select(i => rows.Texts[i]).ToArray(), rows.Pairs is null ? null : idx.Select(i => rows.Pairs[i]).ToArray(), idx.Select(i => rows.Targets[i]).ToArray());

    static TrainingRows Concat(TrainingRows a, TrainingRows b) =>
        new(a.Texts.Concat(b.Texts).ToArray(), a.Pairs is null ? null : a.Pairs.Concat(b.Pairs!).ToArray(), [.. a.Targets, .. b.Targets]);
}
