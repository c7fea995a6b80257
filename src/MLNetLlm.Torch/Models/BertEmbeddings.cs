using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Models;

/// <summary>Word + absolute position + token type embeddings, then LayerNorm and dropout (HF <c>bert.embeddings</c>).</summary>
internal sealed class BertEmbeddings : nn.Module
{
    readonly Embedding word_embeddings;
    readonly Embedding position_embeddings;
    readonly Embedding token_type_embeddings;
    readonly LayerNorm LayerNorm;
    readonly double _dropout;
    readonly ComputeSettings _compute;

    public BertEmbeddings(BertConfig c, ComputeSettings compute) : base("BertEmbeddings")
    {
        word_embeddings = nn.Embedding(c.VocabSize, c.HiddenSize, padding_idx: c.PadTokenId);
        position_embeddings = nn.Embedding(c.MaxPositionEmbeddings, c.HiddenSize);
        token_type_embeddings = nn.Embedding(c.TypeVocabSize, c.HiddenSize);
        LayerNorm = nn.LayerNorm(c.HiddenSize, c.LayerNormEps);
        _dropout = c.HiddenDropoutProb;
        _compute = compute;
        register_module("word_embeddings", word_embeddings);
        register_module("position_embeddings", position_embeddings);
        register_module("token_type_embeddings", token_type_embeddings);
        register_module("LayerNorm", LayerNorm);
    }

    public Embedding WordEmbeddings => word_embeddings;

    /// <summary>Embeds <paramref name="inputEmbeds"/> [B, T, H] (word vectors, possibly with virtual tokens) with token types [B, T].</summary>
    public Tensor Forward(Tensor inputEmbeds, Tensor tokenTypeIds)
    {
        long t = inputEmbeds.shape[1];
        Tensor sum;
        using (var range = arange(t, dtype: ScalarType.Int64, device: inputEmbeds.device))
        using (var positions = range.unsqueeze(0))
        using (var pe = position_embeddings.forward(positions))
        using (var te = token_type_embeddings.forward(tokenTypeIds))
        using (var partial = inputEmbeds + pe)
            sum = partial + te;
        Tensor normed;
        using (sum) normed = LayerNorm.forward(sum);
        var dropped = _compute.Dropout(normed, _dropout, training);
        if (!ReferenceEquals(dropped, normed)) normed.Dispose();
        return dropped;
    }
}
