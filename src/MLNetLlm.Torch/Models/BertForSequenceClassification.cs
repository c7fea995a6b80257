using MLNetLlm.Torch.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Models;

/// <summary>
/// HF <c>BertForSequenceClassification</c>: the encoder, dropout and a linear head over the pooled <c>[CLS]</c> vector.
/// Its parameter names are HF's (<c>bert.encoder.layer.0.attention.self.query.weight</c>, <c>classifier.weight</c>);
/// LoRA adapters add <c>…query_lora.lora_A.weight</c>, prompt tuning adds <c>prompt.weight</c>.
/// </summary>
internal sealed class BertForSequenceClassification : nn.Module
{
    readonly BertModel bert;
    readonly Linear classifier;
    readonly double _dropout;
    PromptEmbedding? _prompt;

    public BertForSequenceClassification(BertConfig config, ComputeSettings? compute = null) : base("BertForSequenceClassification")
    {
        Devices.NativeAllocator.Configure();
        config.Validate();
        Config = config;
        Compute = compute ?? new ComputeSettings();
        bert = new BertModel(config, Compute);
        classifier = nn.Linear(config.HiddenSize, config.NumLabels);
        _dropout = config.ClassifierDropout ?? config.HiddenDropoutProb;
        register_module("bert", bert);
        register_module("classifier", classifier);
    }

    public BertConfig Config { get; }

    /// <summary>
    /// <see cref="Config"/> with the layer widths the modules have now: structured pruning slices heads and FFN
    /// neurons in place, so the saved config must record them (null lists when every layer matches the config).
    /// </summary>
    public BertConfig CurrentConfig()
    {
        var heads = bert.Layers.Select(l => (int)(l.Slots().First(s => s.Name == "query").Slot.Layer.weight!.shape[0] / Config.HeadSize)).ToArray();
        var ffn = bert.Layers.Select(l => (int)l.Slots().First(s => s.Name == "intermediate").Slot.Layer.weight!.shape[0]).ToArray();
        return Config with
        {
            LayerAttentionHeads = heads.All(h => h == Config.NumAttentionHeads) ? null : heads,
            LayerIntermediateSizes = ffn.All(n => n == Config.IntermediateSize) ? null : ffn,
        };
    }
    public ComputeSettings Compute { get; }
    public PromptEmbedding? Prompt => _prompt;
    internal BertModel Bert => bert;
    internal Linear Classifier => classifier;

    /// <summary>Logits [B, NumLabels] for token ids, attention mask and token types, each [B, T] int64.</summary>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) =>
        ForwardWithHidden(inputIds, attentionMask, tokenTypeIds).Logits;

    /// <summary>Logits and the last hidden state [B, T(+N), H].</summary>
    public (Tensor Logits, Tensor Hidden) ForwardWithHidden(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) =>
        Run(inputIds, attentionMask, tokenTypeIds, null);

    /// <summary>
    /// Logits and every hidden state, as HF's <c>output_hidden_states</c>: the embedding output then each encoder
    /// layer's output ([B, T(+N), H] each, layers + 1 in all; the last is the sequence output). Same computation as
    /// <see cref="Forward"/> in the current train/eval mode, so distillation losses can use intermediate layers.
    /// </summary>
    public (Tensor Logits, IReadOnlyList<Tensor> HiddenStates) ForwardWithHiddenStates(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        var states = new List<Tensor>(Config.NumHiddenLayers + 1);
        var (logits, _) = Run(inputIds, attentionMask, tokenTypeIds, states);
        return (logits, states);
    }

    /// <summary>Logits [B, NumLabels] from word embeddings [B, T, H] (the output of the word-embedding table, before positions and LayerNorm).</summary>
    internal Tensor ForwardWords(Tensor wordEmbeddings, Tensor attentionMask, Tensor tokenTypeIds)
    {
        var (hidden, pooled) = bert.ForwardWords(wordEmbeddings, attentionMask, tokenTypeIds, _prompt);
        hidden.Dispose();
        using (pooled) return Compute.Linear(classifier, Compute.Dropout(pooled, _dropout, training));
    }

    (Tensor Logits, Tensor Hidden) Run(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, List<Tensor>? hiddenStates)
    {
        var (hidden, pooled) = bert.Forward(inputIds, attentionMask, tokenTypeIds, _prompt, hiddenStates);
        var logits = Compute.Linear(classifier, Compute.Dropout(pooled, _dropout, training));
        return (logits, hidden);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Compute.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>HF's initialisation: normal(0, initializer_range) weights, zero biases and padding row, unit LayerNorm.</summary>
    public void InitializeWeights(Generator generator)
    {
        using var _ = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.Contains("LayerNorm.weight", StringComparison.Ordinal)) p.fill_(1.0);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) p.zero_();
            else if (name.Contains("_lora.", StringComparison.Ordinal) || name.StartsWith("prompt", StringComparison.Ordinal)) continue;
            else p.normal_(0.0, Config.InitializerRange, generator);
        }
        bert.Embeddings.WordEmbeddings.weight![Config.PadTokenId].zero_();
    }

    /// <summary>Adds LoRA adapters to the named projections of every layer and returns them.</summary>
    /// <param name="targets">Any of query, key, value, attention.output, intermediate, output.</param>
    public IReadOnlyList<LoraLinear> ApplyLora(int rank, double alpha, double dropout, IReadOnlyCollection<string> targets, Generator? generator = null)
    {
        var known = bert.Layers[0].Slots().Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = targets.Where(t => !known.Contains(t)).ToList();
        if (unknown.Count > 0 || targets.Count == 0)
            throw new ArgumentException($"LoRA target module(s) '{string.Join("', '", unknown)}' unknown; choose from {string.Join(", ", known)}.", nameof(targets));
        var result = new List<LoraLinear>();
        foreach (var layer in bert.Layers)
            foreach (var (name, slot) in layer.Slots())
                if (targets.Contains(name))
                {
                    var lora = slot.AttachLora(rank, alpha, dropout);
                    if (generator != null)
                        using (no_grad())
                        {
                            // Kaiming-uniform (a = sqrt 5) bound is 1/sqrt(fan_in); redraw from the seeded generator.
                            double bound = 1.0 / Math.Sqrt(lora.A.shape[1]);
                            lora.A.uniform_(-bound, bound, generator);
                        }
                    result.Add(lora);
                }
        return result;
    }

    /// <summary>Every LoRA adapter with its PEFT-style key prefix (<c>bert.encoder.layer.0.attention.self.query</c>).</summary>
    public IEnumerable<(string Prefix, LoraLinear Lora)> LoraAdapters()
    {
        foreach (var (name, module) in named_modules())
            if (module is LoraLinear lora && name.EndsWith("_lora", StringComparison.Ordinal) && !name.Contains('<'))
                yield return (name[..^"_lora".Length], lora);
    }

    /// <summary>Adds <paramref name="count"/> virtual tokens initialised from the embeddings of random vocabulary ids.</summary>
    public PromptEmbedding ApplyPromptTuning(int count, Generator? generator = null)
    {
        if (_prompt != null) throw new InvalidOperationException("Prompt tuning is already applied.");
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of virtual tokens must be positive.");
        using var scope = NewDisposeScope();
        var w = bert.Embeddings.WordEmbeddings.weight!;
        // Skip the first ids (special tokens in BERT vocabularies) when there are enough others.
        long low = Config.VocabSize > 1000 ? 1000 : 0;
        var ids = randint(low, Config.VocabSize, [count], generator: generator, device: w.device);
        _prompt = new PromptEmbedding(w.index_select(0, ids));
        register_module("prompt", _prompt);
        return _prompt;
    }

    /// <summary>Sets which parameters train: all (full), LoRA + head (LoRA), prompt + head (prompt tuning).</summary>
    public void SetTrainable(Func<string, bool> trainable)
    {
        foreach (var (name, p) in named_parameters()) p.requires_grad = trainable(name);
    }

    /// <summary>The weights HF's <c>BertForSequenceClassification</c> has, by HF key (LoRA must be merged first to include it).</summary>
    public Dictionary<string, Tensor> HuggingFaceWeights() =>
        named_parameters()
            .Where(np => !np.name.Contains("_lora.", StringComparison.Ordinal) && !np.name.StartsWith("prompt.", StringComparison.Ordinal))
            .ToDictionary(np => np.name, np => (Tensor)np.parameter, StringComparer.Ordinal);
}
