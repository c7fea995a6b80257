using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Bert;

/// <summary>Trains a smaller student from a fine-tuned teacher with <see cref="DistillationLoss"/>.</summary>
internal static class BertDistillation
{
    public static BertForSequenceClassification Run(CompressionSource source, LabeledTexts data, DistillationOptions o, CancellationToken cancellation = default)
    {
        o.Validate();
        var teacher = source.Model;
        var (student, _) = BertCompression.CreateStudent(teacher, o);
        student.to(source.Device);
        var loss = new DistillationLoss(o.Temperature, o.Alpha, o.HiddenStateWeight);
        int sLayers = student.Config.NumHiddenLayers, tLayers = teacher.Bert.Layers.Count;
        var projections = new List<HiddenStateProjection>();
        if (o.HiddenStateWeight > 0)
            for (int i = 0; i < sLayers; i++)
            {
                var p = new HiddenStateProjection(student.Config.HiddenSize, teacher.Config.HiddenSize);
                p.to(source.Device);
                projections.Add(p);
            }
        var extra = projections.SelectMany((p, i) => p.named_parameters().Select(np => ($"projection{i}.{np.name}", np.parameter))).ToList();
        teacher.eval();
        try
        {
            CompressionFineTuner.Train(student, source.Tokenizer, data, source.MaxLength, source.Device, o.NumberOfEpochs, o.LearningRate, o.BatchSize, o.Seed,
                loss: (s, b) =>
                {
                    if (o.HiddenStateWeight == 0)
                    {
                        Tensor teacherLogits;
                        using (no_grad()) teacherLogits = teacher.Forward(b.InputIds, b.AttentionMask, b.TokenTypeIds);
                        return loss.Compute(s.Forward(b.InputIds, b.AttentionMask, b.TokenTypeIds), teacherLogits, b.Labels);
                    }
                    (Tensor Logits, IReadOnlyList<Tensor> Hidden) t;
                    using (no_grad()) t = BertCompression.ForwardWithLayers(teacher, b.InputIds, b.AttentionMask, b.TokenTypeIds);
                    var st = BertCompression.ForwardWithLayers(s, b.InputIds, b.AttentionMask, b.TokenTypeIds);
                    var pairs = Enumerable.Range(0, sLayers).Select(i =>
                        (projections[i].forward(st.Hidden[i]), t.Hidden[HiddenStateProjection.TeacherLayerFor(i, sLayers, tLayers)]));
                    return loss.Compute(st.Logits, t.Logits, b.Labels, pairs);
                },
                extraParameters: extra, cancellation: cancellation);
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
