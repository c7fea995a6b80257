using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Models;

/// <summary>One post-LN encoder layer: attention (self + output), intermediate (dense + activation), output.</summary>
internal sealed class BertLayer : nn.Module
{
    readonly BertAttention attention;
    readonly BertIntermediate intermediate;
    readonly BertResidualOutput output;

    /// <param name="index">The layer's position, which picks its widths (<see cref="BertConfig.AttentionHeadsOf"/>, <see cref="BertConfig.IntermediateSizeOf"/>).</param>
    public BertLayer(BertConfig c, ComputeSettings compute, int index) : base("BertLayer")
    {
        attention = new BertAttention(c, compute, c.AttentionHeadsOf(index) * c.HeadSize);
        intermediate = new BertIntermediate(c, compute, c.IntermediateSizeOf(index));
        output = new BertResidualOutput(c.IntermediateSizeOf(index), c, compute);
        register_module("attention", attention);
        register_module("intermediate", intermediate);
        register_module("output", output);
    }

    /// <summary>The layer's projections by target-module name (query, key, value, attention.output, intermediate, output).</summary>
    public IEnumerable<(string Name, LinearSlot Slot)> Slots()
    {
        yield return ("query", attention.Self.Query);
        yield return ("key", attention.Self.Key);
        yield return ("value", attention.Self.Value);
        yield return ("attention.output", attention.Output.Dense);
        yield return ("intermediate", intermediate.Dense);
        yield return ("output", output.Dense);
    }

    public Tensor Forward(Tensor x, Tensor additiveMask)
    {
        using var a = attention.Forward(x, additiveMask);
        using var h = intermediate.Forward(a);
        return output.Forward(h, a);
    }
}

/// <summary>HF <c>attention</c>: <c>self</c> then <c>output</c>.</summary>
internal sealed class BertAttention : nn.Module
{
    // Fields, not auto-properties: TorchSharp also registers modules it finds in fields, under the field's name.
    readonly BertSelfAttention self;
    readonly BertResidualOutput output;

    /// <param name="width">Width of all heads together (heads × head size).</param>
    public BertAttention(BertConfig c, ComputeSettings compute, int width) : base("BertAttention")
    {
        self = new BertSelfAttention(c, compute, width);
        output = new BertResidualOutput(width, c, compute);
        register_module("self", self);
        register_module("output", output);
    }

    public BertSelfAttention Self => self;
    public BertResidualOutput Output => output;

    public Tensor Forward(Tensor x, Tensor additiveMask)
    {
        using var context = Self.Forward(x, additiveMask);
        return Output.Forward(context, x);
    }
}

/// <summary>HF <c>intermediate</c>: dense to the feed-forward width and the activation.</summary>
internal sealed class BertIntermediate : nn.Module
{
    readonly string _act;

    public BertIntermediate(BertConfig c, ComputeSettings compute, int width) : base("BertIntermediate")
    {
        Dense = new LinearSlot(this, "dense", nn.Linear(c.HiddenSize, width), compute);
        _act = c.HiddenAct;
    }

    public LinearSlot Dense { get; }

    public Tensor Forward(Tensor x)
    {
        using var h = Dense.Forward(x);
        return _act switch
        {
            "gelu" => nn.functional.gelu(h),
            "gelu_new" or "gelu_pytorch_tanh" => h.gelu(TorchSharp.Modules.GELU.Approximate.tanh),
            "relu" => nn.functional.relu(h),
            _ => throw new InvalidOperationException($"activation '{_act}' is not supported"),
        };
    }
}
