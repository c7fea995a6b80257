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
        long b = x.shape[0], t = x.shape[1];
        Tensor Heads(Tensor y) => y.view(b, t, -1, _headSize).transpose(1, 2); // [B, heads, T, headSize]
        var q = Heads(Query.Forward(x));
        var k = Heads(Key.Forward(x));
        var v = Heads(Value.Forward(x));
        Tensor context;
        double p = training ? _dropout : 0.0;
        if (_compute.UseSdpa)
        {
            var dtype = _compute.LowPrecision ?? ScalarType.Float32;
            context = nn.functional.scaled_dot_product_attention(q.to_type(dtype), k.to_type(dtype), v.to_type(dtype),
                additiveMask.to_type(dtype), p, false).to_type(ScalarType.Float32);
        }
        else
        {
            var scores = matmul(q, k.transpose(-1, -2)) / Math.Sqrt(_headSize) + additiveMask;
            var probs = _compute.Dropout(softmax(scores, -1), p, training);
            context = matmul(probs, v);
        }
        return context.transpose(1, 2).reshape(b, t, -1);
    }
}
