using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Models;

/// <summary>Multi-head self-attention projections and scores (HF <c>attention.self</c>: query, key, value).</summary>
internal sealed class BertSelfAttention : nn.Module
{
    readonly int _headSize; // the head count follows the projection width, so structured head pruning needs no update here
    readonly double _dropout;
    readonly ComputeSettings _compute;

    /// <param name="width">Width of all heads together (heads × <see cref="BertConfig.HeadSize"/>).</param>
    public BertSelfAttention(BertConfig c, ComputeSettings compute, int width) : base("BertSelfAttention")
    {
        _headSize = c.HeadSize;
        _dropout = c.AttentionProbsDropoutProb;
        _compute = compute;
        Query = new LinearSlot(this, "query", nn.Linear(c.HiddenSize, width), compute);
        Key = new LinearSlot(this, "key", nn.Linear(c.HiddenSize, width), compute);
        Value = new LinearSlot(this, "value", nn.Linear(c.HiddenSize, width), compute);
    }

    public LinearSlot Query { get; }
    public LinearSlot Key { get; }
    public LinearSlot Value { get; }

    /// <param name="x">[B, T, H]</param>
    /// <param name="additiveMask">[B, 1, 1, T]: 0 where attended, a large negative number at padding.</param>
    public Tensor Forward(Tensor x, Tensor additiveMask)
    {
        // Intermediates are disposed as soon as they are used: autograd keeps its own references to what backward needs
        // (softmax output, dropout mask, dropped probabilities, q/k/v), everything else is freed during the forward
        // instead of living on in the caller's dispose scope until the step ends.
        long b = x.shape[0], t = x.shape[1];
        Tensor Heads(Tensor y)
        {
            using var _ = y;
            using var view = y.view(b, t, -1, _headSize);
            return view.transpose(1, 2); // [B, heads, T, headSize]
        }
        using var q = Heads(Query.Forward(x));
        using var k = Heads(Key.Forward(x));
        using var v = Heads(Value.Forward(x));
        Tensor context;
        double p = training ? _dropout : 0.0;
        if (_compute.UseSdpa || (_compute.FusedInference && !training && !is_grad_enabled()))
        {
            var dtype = _compute.LowPrecision ?? ScalarType.Float32;
            using var ql = q.to_type(dtype);
            using var kl = k.to_type(dtype);
            using var vl = v.to_type(dtype);
            using var ml = additiveMask.to_type(dtype);
            using var c = nn.functional.scaled_dot_product_attention(ql, kl, vl, ml, p, false);
            context = c.to_type(ScalarType.Float32);
        }
        else
        {
            Tensor probs;
            using (var kT = k.transpose(-1, -2))
            using (var scores = matmul(q, kT))
            {
                // In place on the product: matmul's backward needs q and k, not its output.
                scores.div_(Math.Sqrt(_headSize)).add_(additiveMask);
                probs = softmax(scores, -1);
            }
            var dropped = _compute.Dropout(probs, p, training);
            if (!ReferenceEquals(dropped, probs)) probs.Dispose();
            using (dropped) context = matmul(dropped, v);
        }
        using (context)
        using (var heads = context.transpose(1, 2))
            return heads.reshape(b, t, -1);
    }
}
