using MLNetLlm.Torch.Compression.Distillation;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Compression;

public sealed class DistillationTests
{
    [Fact]
    public void SoftTargetLossMatchesAHandComputedKl()
    {
        // One row, T = 2: student logits (1, 0), teacher logits (0, 2).
        var student = tensor(new float[,] { { 1, 0 } });
        var teacher = tensor(new float[,] { { 0, 2 } });
        double[] p = Softmax([0.5, 0.0]), q = Softmax([0.0, 1.0]);
        double kl = q[0] * Math.Log(q[0] / p[0]) + q[1] * Math.Log(q[1] / p[1]);
        var loss = new DistillationLoss(temperature: 2, alpha: 1).SoftTargetLoss(student, teacher);
        AssertClose.Equal(4 * kl, loss.item<float>(), abs: 1e-5);
    }

    private static double[] Softmax(double[] z)
    {
        double m = z.Max();
        var e = z.Select(v => Math.Exp(v - m)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    [Fact]
    public void AlphaBlendsSoftAndHardTermsAndTeacherGetsNoGradient()
    {
        manual_seed(7);
        var student = randn(4, 3, requires_grad: true);
        var teacher = randn(4, 3, requires_grad: true);
        var labels = tensor(new long[] { 0, 2, 1, 2 });
        float ce = nn.functional.cross_entropy(student, labels).item<float>();
        float soft = new DistillationLoss(3, 1).SoftTargetLoss(student, teacher).item<float>();
        AssertClose.Equal(ce, new DistillationLoss(3, 0).Compute(student, teacher, labels).item<float>(), abs: 1e-5);
        var loss = new DistillationLoss(3, 0.25).Compute(student, teacher, labels);
        AssertClose.Equal(0.25 * soft + 0.75 * ce, loss.item<float>(), abs: 1e-5);
        loss.backward();
        Assert.NotNull(student.grad);
        Assert.True(teacher.grad is null || teacher.grad.abs().sum().item<float>() == 0);
        // Identical distributions: no soft loss.
        AssertClose.Equal(0, new DistillationLoss(5, 1).SoftTargetLoss(teacher, teacher).item<float>(), abs: 1e-6);
    }

    [Fact]
    public void HiddenStateTermAddsWeightedMseAndRequiresEqualShapes()
    {
        manual_seed(8);
        var s = randn(2, 3); var t = randn(2, 3); var labels = tensor(new long[] { 0, 1 });
        var h1 = randn(2, 4, 8); var h2 = randn(2, 4, 8);
        var plain = new DistillationLoss(2, 0.5).Compute(s, t, labels).item<float>();
        var withHidden = new DistillationLoss(2, 0.5, hiddenWeight: 0.1).Compute(s, t, labels, [(h1, h2)]).item<float>();
        AssertClose.Equal(plain + 0.1 * nn.functional.mse_loss(h1, h2).item<float>(), withHidden, abs: 1e-5);
        Assert.Throws<ArgumentException>(() => new DistillationLoss(2, 0.5, 1).Compute(s, t, labels, [(randn(2, 4, 4), h2)]));
        var projection = new HiddenStateProjection(4, 8);
        Assert.True(projection.IsTrainable);
        Assert.Equal([2L, 4L, 8L], projection.forward(randn(2, 4, 4)).shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationLoss(0.5, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationLoss(2, 1.5));
    }

    [Fact]
    public void StudentLayersMapEvenlyOntoTeacherLayers()
    {
        Assert.Equal([0, 2, 4, 7, 9, 11], Enumerable.Range(0, 6).Select(i => HiddenStateProjection.TeacherLayerFor(i, 6, 12)));
        Assert.Equal([0, 1], Enumerable.Range(0, 2).Select(i => HiddenStateProjection.TeacherLayerFor(i, 2, 2)));
        Assert.Equal(11, HiddenStateProjection.TeacherLayerFor(0, 1, 12));
    }

    [Fact]
    public void StudentInitializerCopiesMatchingShapesFromMappedLayers()
    {
        var teacher = new Dictionary<string, Tensor>();
        for (int l = 0; l < 4; l++) teacher[$"bert.encoder.layer.{l}.output.dense.weight"] = full(3, 3, (float)l);
        teacher["bert.embeddings.word_embeddings.weight"] = full(10, 3, 7f);
        teacher["classifier.weight"] = full(2, 3, 9f);
        var student = new Dictionary<string, Tensor>
        {
            ["bert.encoder.layer.0.output.dense.weight"] = zeros(3, 3),
            ["bert.encoder.layer.1.output.dense.weight"] = zeros(3, 3),
            ["bert.embeddings.word_embeddings.weight"] = zeros(10, 3),
            ["classifier.weight"] = zeros(2, 4), // different width: left alone
        };
        var copied = StudentInitializer.Initialize(teacher, student);
        Assert.Equal(3, copied.Count);
        Assert.Equal(0f, student["bert.encoder.layer.0.output.dense.weight"].mean().item<float>());
        Assert.Equal(3f, student["bert.encoder.layer.1.output.dense.weight"].mean().item<float>());
        Assert.Equal(7f, student["bert.embeddings.word_embeddings.weight"].mean().item<float>());
        Assert.Equal(0f, student["classifier.weight"].abs().sum().item<float>());
    }
}
