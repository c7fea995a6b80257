using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Adapters;

/// <summary>
/// Prompt tuning: <see cref="Count"/> trainable virtual-token vectors inserted right after <c>[CLS]</c> (so the pooler
/// still reads <c>[CLS]</c>), initialised from the embeddings of real vocabulary tokens.
/// </summary>
internal sealed class PromptEmbedding : nn.Module
{
    readonly Parameter weight;

    public PromptEmbedding(Tensor initial) : base("PromptEmbedding")
    {
        var data = initial.detach().clone();
        data.DetachFromDisposeScope();
        weight = new Parameter(data, requires_grad: true);
        register_parameter("weight", weight);
    }

    public int Count => (int)weight.shape[0];
    public Parameter Weight => weight;

    /// <summary>Inserts the virtual tokens after position 0 of word embeddings [B, T, H] → [B, T + N, H].</summary>
    public Tensor Insert(Tensor wordEmbeds)
    {
        long b = wordEmbeds.shape[0];
        var prompt = weight.unsqueeze(0).expand(b, -1, -1);
        return cat([wordEmbeds.narrow(1, 0, 1), prompt, wordEmbeds.narrow(1, 1, wordEmbeds.shape[1] - 1)], 1);
    }

    /// <summary>Inserts <see cref="Count"/> copies of <paramref name="fill"/> after position 0 of a [B, T] tensor.</summary>
    public Tensor InsertIds(Tensor ids, long fill)
    {
        var extra = full(ids.shape[0], Count, fill, dtype: ids.dtype, device: ids.device);
        return cat([ids.narrow(1, 0, 1), extra, ids.narrow(1, 1, ids.shape[1] - 1)], 1);
    }
}
