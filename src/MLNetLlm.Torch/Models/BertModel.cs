using MLNetLlm.Torch.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Models;

/// <summary>The BERT encoder (HF <c>bert</c>): embeddings, post-LN layers and the tanh pooler over <c>[CLS]</c>.</summary>
internal sealed class BertModel : nn.Module
{
    readonly BertEmbeddings embeddings;
    readonly BertEncoder encoder;
    readonly BertPooler pooler;

    public BertModel(BertConfig c, ComputeSettings compute) : base("BertModel")
    {
        embeddings = new BertEmbeddings(c, compute);
        encoder = new BertEncoder(c, compute);
        pooler = new BertPooler(c, compute);
        register_module("embeddings", embeddings);
        register_module("encoder", encoder);
        register_module("pooler", pooler);
    }

    public BertEmbeddings Embeddings => embeddings;
    public IReadOnlyList<BertLayer> Layers => encoder.Layers;

    /// <summary>Returns (last hidden state [B, T(+N), H], pooled [B, H]).</summary>
    /// <param name="hiddenStates">When given, receives the embedding output and every layer's output (layers + 1 tensors, HF's <c>hidden_states</c>).</param>
    public (Tensor Hidden, Tensor Pooled) Forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, PromptEmbedding? prompt, List<Tensor>? hiddenStates = null)
    {
        var words = embeddings.WordEmbeddings.forward(inputIds);
        try { return ForwardWords(words, attentionMask, tokenTypeIds, prompt, hiddenStates); }
        finally { words.Dispose(); }
    }

    /// <summary>
    /// <see cref="Forward"/> from word embeddings [B, T, H] instead of token ids (what integrated gradients differentiate
    /// against); the caller keeps <paramref name="wordEmbeddings"/>.
    /// </summary>
    public (Tensor Hidden, Tensor Pooled) ForwardWords(Tensor wordEmbeddings, Tensor attentionMask, Tensor tokenTypeIds, PromptEmbedding? prompt, List<Tensor>? hiddenStates = null)
    {
        var words = wordEmbeddings;
        if (prompt != null)
        {
            words = prompt.Insert(words);
            attentionMask = prompt.InsertIds(attentionMask, 1);
            tokenTypeIds = prompt.InsertIds(tokenTypeIds, 0);
        }
        var x = embeddings.Forward(words, tokenTypeIds);
        if (!ReferenceEquals(words, wordEmbeddings)) words.Dispose();
        // [B, 1, 1, T]: 0 for tokens, the dtype's lowest value for padding (as HF does).
        Tensor additive;
        using (var m = attentionMask.to_type(ScalarType.Float32))
        using (var inverted = 1.0f - m)
        using (var scaled = inverted.mul(float.MinValue))
        using (var row = scaled.unsqueeze(1))
            additive = row.unsqueeze(1);
        using (additive)
        {
            var hidden = encoder.Forward(x, additive, hiddenStates);
            if (hiddenStates is null) x.Dispose(); // the embedding output (kept when the caller collects hidden states)
            return (hidden, pooler.Forward(hidden));
        }
    }
}

/// <summary>HF <c>encoder</c>: the <c>layer</c> list.</summary>
internal sealed class BertEncoder : nn.Module
{
    readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig c, ComputeSettings compute) : base("BertEncoder")
    {
        layer = nn.ModuleList(Enumerable.Range(0, c.NumHiddenLayers).Select(i => new BertLayer(c, compute, i)).ToArray());
        register_module("layer", layer);
    }

    public IReadOnlyList<BertLayer> Layers => layer.ToList();

    /// <param name="hiddenStates">When given, receives <paramref name="x"/> and each layer's output.</param>
    public Tensor Forward(Tensor x, Tensor additiveMask, List<Tensor>? hiddenStates = null)
    {
        hiddenStates?.Add(x);
        var input = x;
        foreach (var l in layer)
        {
            var next = l.Forward(x, additiveMask);
            // A layer's input is not needed once its output exists (autograd holds what backward needs); the caller's
            // tensor and collected hidden states stay.
            if (hiddenStates is null && !ReferenceEquals(x, input)) x.Dispose();
            x = next;
            hiddenStates?.Add(x);
        }
        return x;
    }
}

/// <summary>HF <c>pooler</c>: tanh(dense(hidden[:, 0])).</summary>
internal sealed class BertPooler : nn.Module
{
    readonly Linear dense;
    readonly ComputeSettings _compute;

    public BertPooler(BertConfig c, ComputeSettings compute) : base("BertPooler")
    {
        dense = nn.Linear(c.HiddenSize, c.HiddenSize);
        register_module("dense", dense);
        _compute = compute;
    }

    public Tensor Forward(Tensor hidden)
    {
        using var cls = hidden.select(1, 0);
        using var projected = _compute.Linear(dense, cls);
        return tanh(projected);
    }
}
