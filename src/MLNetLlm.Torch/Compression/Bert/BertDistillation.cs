using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Bert;

/// <summary>Trains a smaller student from a fine-tuned teacher with <see cref="DistillationLoss"/>.</summary>
internal static class BertDistillation
{
    public static BertForSequenceClassification Run(CompressionSource source, TrainingRows data, DistillationOptions o, CancellationToken cancellation = default)
    {
        o.Validate();
        var teacher = source.Model;
        var (student, _) = BertCompression.CreateStudent(teacher, o);
        student.to(source.Device);
        var loss = new DistillationLoss(o.Temperature, o.Alpha, o.HiddenStateWeight);
        int sLayers = student.Config.NumHiddenLayers, tLayers = teacher.Bert.Layers.Count;
        var projections = new List<HiddenStateProjection>();
        using var projectionInit = new Generator((ulong)o.Seed ^ 0x9E3779B97F4A7C15UL);
        if (o.HiddenStateWeight > 0)
            for (int i = 0; i < sLayers; i++)
            {
                var p = new HiddenStateProjection(student.Config.HiddenSize, teacher.Config.HiddenSize, projectionInit);
                p.to(source.Device);
                projections.Add(p);
            }
        var extra = projections.SelectMany((p, i) => p.named_parameters().Select(np => ($"projection{i}.{np.name}", np.parameter))).ToList();
        teacher.eval();
        // Without the hidden-state term the teacher is needed only for its logits: computed once (eval mode, as they
        // would be per batch) instead of once per epoch.
        float[]? cached = null;
        int labels = teacher.Config.NumLabels;
        if (o.HiddenStateWeight == 0 && o.NumberOfEpochs > 1)
            cached = BertCompression.Logits(teacher, source.Tokenizer, data.Texts, data.Pairs, source.MaxLength, source.Device).SelectMany(r => r).ToArray();
        Tensor Loss(BertForSequenceClassification s, TrainingBatch b)
        {
            if (o.HiddenStateWeight == 0)
            {
                Tensor teacherLogits;
                if (cached != null && !b.IsValidation)
                {
                    var rows = new float[b.Indices.Count * labels];
                    for (int i = 0; i < b.Indices.Count; i++) cached.AsSpan(b.Indices[i] * labels, labels).CopyTo(rows.AsSpan(i * labels));
                    teacherLogits = tensor(rows, device: b.InputIds.device).reshape(b.Indices.Count, labels);
                }
                else
                    using (no_grad()) teacherLogits = teacher.Forward(b.InputIds, b.AttentionMask, b.TokenTypeIds);
                return loss.Compute(s.Forward(b.InputIds, b.AttentionMask, b.TokenTypeIds), teacherLogits, b.Targets);
            }
            (Tensor Logits, IReadOnlyList<Tensor> HiddenStates) t;
            using (no_grad()) t = teacher.ForwardWithHiddenStates(b.InputIds, b.AttentionMask, b.TokenTypeIds);
            var st = s.ForwardWithHiddenStates(b.InputIds, b.AttentionMask, b.TokenTypeIds);
            // Hidden state 0 is the embedding output: student layer i's output is state i + 1.
            var pairs = Enumerable.Range(0, sLayers).Select(i =>
                (projections[i].forward(st.HiddenStates[i + 1]), t.HiddenStates[HiddenStateProjection.TeacherLayerFor(i, sLayers, tLayers) + 1]));
            return loss.Compute(st.Logits, t.Logits, b.Targets, pairs);
        }
        try
        {
            BertCompression.FineTune(source, student, data, o.NumberOfEpochs, o.LearningRate, o.BatchSize, o.Seed, o.Progress,
                new FineTuningHooks { Loss = Loss, ExtraParameters = extra }, cancellation);
            return student;
        }
        catch
        {
            student.Dispose();
            throw;
        }
        finally
        {
            foreach (var p in projections) p.Dispose();
        }
    }
}
