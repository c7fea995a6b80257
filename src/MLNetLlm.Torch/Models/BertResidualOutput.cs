using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Models;

/// <summary>Dense projection, dropout, then post-LN residual: <c>LayerNorm(dense(x) + residual)</c> (HF <c>attention.output</c> and <c>output</c>).</summary>
internal sealed class BertResidualOutput : nn.Module
{
    readonly LayerNorm LayerNorm;
    readonly double _dropout;
    readonly ComputeSettings _compute;

    public BertResidualOutput(int inFeatures, BertConfig c, ComputeSettings compute) : base("BertResidualOutput")
    {
        Dense = new LinearSlot(this, "dense", nn.Linear(inFeatures, c.HiddenSize), compute);
        LayerNorm = nn.LayerNorm(c.HiddenSize, c.LayerNormEps);
        register_module("LayerNorm", LayerNorm);
        _dropout = c.HiddenDropoutProb;
        _compute = compute;
    }

    public LinearSlot Dense { get; }

    public Tensor Forward(Tensor x, Tensor residual)
    {
        var dense = Dense.Forward(x);
        var dropped = _compute.Dropout(dense, _dropout, training);
        if (!ReferenceEquals(dropped, dense)) dense.Dispose();
        Tensor sum;
        using (dropped) sum = dropped + residual;
        using (sum) return LayerNorm.forward(sum);
    }
}
