using MLNetLlm.Torch.Compression.Pruning;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Compression;

public sealed class StructuredPruningTests
{
    [Fact]
    public void PrunedFeedForwardEqualsTheOriginalWithDroppedNeuronsSilenced()
    {
        manual_seed(5);
        var inter = nn.Linear(12, 40);
        var output = nn.Linear(40, 12);
        var x = randn(7, 12);
        // Reference: original weights, activations of dropped neurons set to zero.
        var w1 = inter.weight!.detach().clone(); var b1 = inter.bias!.detach().clone();
        var w2 = output.weight!.detach().clone(); var b2 = output.bias!.detach().clone();

        long[] keep = StructuredPruning.PruneFeedForward(inter, output, 0.5);

        Assert.Equal(20, keep.Length);
        Assert.Equal([20L, 12L], inter.weight!.shape);
        Assert.Equal([12L, 20L], output.weight!.shape);
        Assert.Equal(20, inter.out_features);
        var mask = zeros(40); mask.index_put_(tensor(1f), tensor(keep));
        var expected = nn.functional.linear(nn.functional.gelu(nn.functional.linear(x, w1, b1)) * mask, w2, b2);
        var actual = output.forward(nn.functional.gelu(inter.forward(x)));
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6));
        // The kept neurons are the 20 with the largest ‖W_in row‖·‖W_out column‖.
        var score = (w1.norm(1) * w2.norm(0)).data<float>().ToArray();
        float minKept = keep.Min(k => score[k]);
        Assert.All(Enumerable.Range(0, 40).Where(j => !keep.Contains(j)), j => Assert.True(score[j] <= minKept));
        // State dict reflects the new shapes (what persistence and the ONNX export read).
        var sd = nn.Sequential(("inter", inter), ("out", output)).state_dict();
        Assert.Equal([20L], sd["inter.bias"].shape);
    }

    /// <summary>A minimal multi-head self-attention whose head count comes from the projection width.</summary>
    private static Tensor Attention(Tensor x, Linear q, Linear k, Linear v, Linear o, int headSize, Tensor? headMask = null)
    {
        long b = x.shape[0], s = x.shape[1];
        Tensor Split(Tensor t) => t.view(b, s, -1, headSize).transpose(1, 2);
        var scores = Split(q.forward(x)).matmul(Split(k.forward(x)).transpose(-1, -2)) / Math.Sqrt(headSize);
        var context = scores.softmax(-1).matmul(Split(v.forward(x)));
        if (headMask is not null) context = context * headMask.view(1, -1, 1, 1);
        return o.forward(context.transpose(1, 2).reshape(b, s, -1));
    }

    [Fact]
    public void PrunedAttentionEqualsTheOriginalWithDroppedHeadsSilenced()
    {
        manual_seed(6);
        const int hidden = 32, headSize = 8;
        Linear q = nn.Linear(hidden, hidden), k = nn.Linear(hidden, hidden), v = nn.Linear(hidden, hidden), o = nn.Linear(hidden, hidden);
        var x = randn(3, 5, hidden);
        var clones = new[] { q, k, v, o }.Select(l => (W: l.weight!.detach().clone(), B: l.bias!.detach().clone())).ToArray();

        long[] keep = StructuredPruning.PruneAttentionHeads(q, k, v, o, headSize, 0.5);

        Assert.Equal(2, keep.Length);
        Assert.Equal([16L, 32L], q.weight!.shape);
        Assert.Equal([32L, 16L], o.weight!.shape);
        Linear Restore(int i) { var l = nn.Linear(hidden, hidden); using (no_grad()) { l.weight!.copy_(clones[i].W); l.bias!.copy_(clones[i].B); } return l; }
        var headMask = zeros(4); headMask.index_put_(tensor(1f), tensor(keep));
        var expected = Attention(x, Restore(0), Restore(1), Restore(2), Restore(3), headSize, headMask);
        var actual = Attention(x, q, k, v, o, headSize);
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void AtLeastOneUnitStaysAndBadArgumentsAreRejected()
    {
        var inter = nn.Linear(4, 3);
        var output = nn.Linear(3, 4);
        Assert.Single(StructuredPruning.PruneFeedForward(inter, output, 0.99));
        Assert.Throws<ArgumentOutOfRangeException>(() => StructuredPruning.PruneFeedForward(inter, output, 1.0));
        Assert.Throws<ArgumentException>(() => StructuredPruning.PruneFeedForward(nn.Linear(4, 5), nn.Linear(6, 4), 0.5));
        Linear l() => nn.Linear(12, 12);
        Assert.Throws<ArgumentException>(() => StructuredPruning.PruneAttentionHeads(l(), l(), l(), l(), 5, 0.5));
    }
}
