using System.Globalization;
using System.Text.Json;

namespace MLNetLlm.Torch.Models;

/// <summary>
/// The shape of a BERT encoder and its head, as HuggingFace's <c>config.json</c> describes it (keys such as
/// <c>hidden_size</c>, <c>num_hidden_layers</c>, <c>id2label</c>). Read with <see cref="FromHuggingFaceJson"/>,
/// written back with <see cref="ToHuggingFaceJson"/>.
/// </summary>
public sealed record BertConfig
{
    /// <summary>Vocabulary size (rows of the word embedding).</summary>
    public int VocabSize { get; init; } = 30522;
    /// <summary>Width of every hidden state.</summary>
    public int HiddenSize { get; init; } = 768;
    /// <summary>Number of encoder layers.</summary>
    public int NumHiddenLayers { get; init; } = 12;
    /// <summary>Attention heads per layer; must divide <see cref="HiddenSize"/>.</summary>
    public int NumAttentionHeads { get; init; } = 12;
    /// <summary>Width of the feed-forward layer.</summary>
    public int IntermediateSize { get; init; } = 3072;
    /// <summary><c>gelu</c> (exact), <c>gelu_new</c>/<c>gelu_pytorch_tanh</c> (tanh approximation) or <c>relu</c>.</summary>
    public string HiddenAct { get; init; } = "gelu";
    /// <summary>Dropout after embeddings, attention output and feed-forward output.</summary>
    public double HiddenDropoutProb { get; init; } = 0.1;
    /// <summary>Dropout on attention probabilities.</summary>
    public double AttentionProbsDropoutProb { get; init; } = 0.1;
    /// <summary>Longest sequence the position embedding covers.</summary>
    public int MaxPositionEmbeddings { get; init; } = 512;
    /// <summary>Segment (token type) vocabulary size, 2 for sentence pairs.</summary>
    public int TypeVocabSize { get; init; } = 2;
    /// <summary>Standard deviation of the normal initialisation used for new weights.</summary>
    public double InitializerRange { get; init; } = 0.02;
    /// <summary>LayerNorm epsilon.</summary>
    public double LayerNormEps { get; init; } = 1e-12;
    /// <summary>Id of the padding token.</summary>
    public int PadTokenId { get; init; }
    /// <summary>Dropout before the classifier; null means <see cref="HiddenDropoutProb"/>.</summary>
    public double? ClassifierDropout { get; init; }
    /// <summary>Names of the head's outputs, index = label id (HF <c>id2label</c>). Its count is the number of labels.</summary>
    public IReadOnlyList<string> Labels { get; init; } = ["LABEL_0", "LABEL_1"];
    /// <summary>HF <c>problem_type</c>: <c>single_label_classification</c>, <c>regression</c> or null.</summary>
    public string? ProblemType { get; init; }
    /// <summary>HF <c>tie_word_embeddings</c> (only meaningful for a masked-LM head; kept for round-tripping).</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary>
    /// Attention heads of each layer when they differ (a structurally pruned encoder), else null: every layer has
    /// <see cref="NumAttentionHeads"/>. Heads keep the width <see cref="HeadSize"/>. Stored in config.json under the
    /// extra key <c>mlnetllm_layer_attention_heads</c>, which HF transformers ignores.
    /// </summary>
    public IReadOnlyList<int>? LayerAttentionHeads { get; init; }
    /// <summary>
    /// Feed-forward width of each layer when they differ (a structurally pruned encoder), else null: every layer has
    /// <see cref="IntermediateSize"/>. Stored under the extra key <c>mlnetllm_layer_intermediate_sizes</c>.
    /// </summary>
    public IReadOnlyList<int>? LayerIntermediateSizes { get; init; }

    /// <summary>Attention heads of layer <paramref name="layer"/>.</summary>
    public int AttentionHeadsOf(int layer) => LayerAttentionHeads?[layer] ?? NumAttentionHeads;

    /// <summary>Feed-forward width of layer <paramref name="layer"/>.</summary>
    public int IntermediateSizeOf(int layer) => LayerIntermediateSizes?[layer] ?? IntermediateSize;

    /// <summary>Number of outputs of the classification/regression head.</summary>
    public int NumLabels => Labels.Count;

    /// <summary>Width of one attention head.</summary>
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>
    /// The default architecture for training from scratch on a CPU: 2 layers, 128 wide, 2 heads, 512 feed-forward,
    /// 256 positions — about 0.4 M encoder weights plus the embedding, a few thousand rows per minute on 2 cores.
    /// </summary>
    public static BertConfig SmallFromScratch(int vocabSize, int numLabels) => new()
    {
        VocabSize = vocabSize,
        HiddenSize = 128,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        IntermediateSize = 512,
        MaxPositionEmbeddings = 512,
        HiddenDropoutProb = 0.1,
        AttentionProbsDropoutProb = 0.1,
        Labels = DefaultLabels(numLabels),
    };

    /// <summary><c>LABEL_0</c> … <c>LABEL_{n-1}</c>, as HF names labels it has no names for.</summary>
    public static IReadOnlyList<string> DefaultLabels(int count) =>
        Enumerable.Range(0, count).Select(i => "LABEL_" + i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Reads <paramref name="path"/> (a HF <c>config.json</c>).</summary>
    public static BertConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"BERT config '{path}' does not exist.", path);
        try { return FromHuggingFaceJson(File.ReadAllText(path)); }
        catch (FormatException ex) { throw new FormatException($"'{path}': {ex.Message}", ex); }
    }

    /// <summary>Parses a HF BERT <c>config.json</c>. Unknown keys are ignored; an unsupported model is rejected.</summary>
    /// <exception cref="FormatException">Not JSON, not a BERT config, or a value of the wrong type or range.</exception>
    public static BertConfig FromHuggingFaceJson(string json)
    {
        HuggingFaceBertJson o;
        try { o = JsonSerializer.Deserialize(json, BertConfigJsonContext.Default.HuggingFaceBertJson) ?? throw new FormatException("config is empty"); }
        catch (HuggingFaceBertJson.ConfigValueException ex) { throw new FormatException($"config key '{KeyOf(ex.Path)}'{ex.Message}", ex); }
        catch (JsonException ex) { throw new FormatException($"config is not a JSON object: {ex.Message}", ex); }

        if (o.ModelType is { } modelType and not "bert")
            throw new FormatException($"model_type is '{modelType}'; only BERT-compatible encoders ('bert') are supported.");
        if (o.PositionEmbeddingType is { } positions and not "absolute")
            throw new FormatException($"position_embedding_type '{positions}' is not supported (only 'absolute').");

        var d = new BertConfig();
        IReadOnlyList<string> labels = d.Labels;
        if (o.Id2Label is { ValueKind: JsonValueKind.Object } id2label && id2label.EnumerateObject().Any())
        {
            var arr = new string[id2label.EnumerateObject().Count()];
            foreach (var p in id2label.EnumerateObject())
            {
                if (!int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int i) || i >= arr.Length)
                    throw new FormatException($"id2label key '{p.Name}' is not an index in 0..{arr.Length - 1}.");
                arr[i] = p.Value.GetString() ?? throw new FormatException($"id2label[{p.Name}] is null.");
            }
            labels = arr;
        }
        else if (o.NumLabels is int n) labels = DefaultLabels(n);

        var c = new BertConfig
        {
            VocabSize = o.VocabSize ?? d.VocabSize,
            HiddenSize = o.HiddenSize ?? d.HiddenSize,
            NumHiddenLayers = o.NumHiddenLayers ?? d.NumHiddenLayers,
            NumAttentionHeads = o.NumAttentionHeads ?? d.NumAttentionHeads,
            IntermediateSize = o.IntermediateSize ?? d.IntermediateSize,
            HiddenAct = o.HiddenAct ?? d.HiddenAct,
            HiddenDropoutProb = o.HiddenDropoutProb ?? d.HiddenDropoutProb,
            AttentionProbsDropoutProb = o.AttentionProbsDropoutProb ?? d.AttentionProbsDropoutProb,
            MaxPositionEmbeddings = o.MaxPositionEmbeddings ?? d.MaxPositionEmbeddings,
            TypeVocabSize = o.TypeVocabSize ?? d.TypeVocabSize,
            InitializerRange = o.InitializerRange ?? d.InitializerRange,
            LayerNormEps = o.LayerNormEps ?? d.LayerNormEps,
            PadTokenId = o.PadTokenId ?? d.PadTokenId,
            ClassifierDropout = o.ClassifierDropout,
            Labels = labels,
            ProblemType = o.ProblemType,
            TieWordEmbeddings = o.TieWordEmbeddings ?? d.TieWordEmbeddings,
            LayerAttentionHeads = o.LayerAttentionHeads,
            LayerIntermediateSizes = o.LayerIntermediateSizes,
        };
        c.Validate();
        return c;
    }

    /// <summary>The config key of a JSON path such as <c>$.hidden_size</c> or <c>$['hidden_size']</c>.</summary>
    static string KeyOf(string? path) => (path ?? "").TrimStart('$', '.', '[', '\'').TrimEnd(']', '\'');

    /// <summary>Writes this config as a HF <c>config.json</c> for <c>BertForSequenceClassification</c>.</summary>
    public string ToHuggingFaceJson()
    {
        var context = BertConfigJsonContext.Default;
        var id2label = new Dictionary<string, string>();
        var label2id = new Dictionary<string, int>();
        for (int i = 0; i < Labels.Count; i++)
        {
            id2label[i.ToString(CultureInfo.InvariantCulture)] = Labels[i];
            label2id[Labels[i]] = i;
        }
        var o = new HuggingFaceBertJson
        {
            Architectures = JsonSerializer.SerializeToElement(["BertForSequenceClassification"], context.StringArray),
            ModelType = "bert",
            VocabSize = VocabSize,
            HiddenSize = HiddenSize,
            NumHiddenLayers = NumHiddenLayers,
            NumAttentionHeads = NumAttentionHeads,
            IntermediateSize = IntermediateSize,
            HiddenAct = HiddenAct,
            HiddenDropoutProb = HiddenDropoutProb,
            AttentionProbsDropoutProb = AttentionProbsDropoutProb,
            MaxPositionEmbeddings = MaxPositionEmbeddings,
            TypeVocabSize = TypeVocabSize,
            InitializerRange = InitializerRange,
            LayerNormEps = LayerNormEps,
            PadTokenId = PadTokenId,
            PositionEmbeddingType = "absolute",
            ClassifierDropout = ClassifierDropout,
            Id2Label = JsonSerializer.SerializeToElement(id2label, context.DictionaryStringString),
            Label2Id = JsonSerializer.SerializeToElement(label2id, context.DictionaryStringInt32),
            TieWordEmbeddings = TieWordEmbeddings,
            DType = "float32",
            ProblemType = ProblemType,
            LayerAttentionHeads = LayerAttentionHeads?.ToArray(),
            LayerIntermediateSizes = LayerIntermediateSizes?.ToArray(),
        };
        return JsonSerializer.Serialize(o, context.HuggingFaceBertJson);
    }

    /// <summary>Checks sizes and ranges; throws <see cref="FormatException"/> naming the bad key.</summary>
    public void Validate()
    {
        static void Positive(int v, string key) { if (v <= 0) throw new FormatException($"{key} must be positive (got {v})."); }
        static void Probability(double v, string key) { if (!(v >= 0 && v < 1)) throw new FormatException($"{key} must be in [0, 1) (got {v})."); }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(IntermediateSize, "intermediate_size");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        Positive(TypeVocabSize, "type_vocab_size");
        Positive(NumLabels, "number of labels (id2label)");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new FormatException($"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}.");
        Probability(HiddenDropoutProb, "hidden_dropout_prob");
        Probability(AttentionProbsDropoutProb, "attention_probs_dropout_prob");
        if (ClassifierDropout is double cd) Probability(cd, "classifier_dropout");
        if (PadTokenId < 0 || PadTokenId >= VocabSize) throw new FormatException($"pad_token_id {PadTokenId} is outside the vocabulary (0..{VocabSize - 1}).");
        foreach (var (widths, key) in new[] { (LayerAttentionHeads, LayerHeadsKey), (LayerIntermediateSizes, LayerIntermediateKey) })
        {
            if (widths is null) continue;
            if (widths.Count != NumHiddenLayers) throw new FormatException($"{key} has {widths.Count} entries but num_hidden_layers is {NumHiddenLayers}.");
            for (int i = 0; i < widths.Count; i++) Positive(widths[i], $"{key}[{i}]");
        }
        if (HiddenAct is not ("gelu" or "gelu_new" or "gelu_pytorch_tanh" or "relu"))
            throw new FormatException($"hidden_act '{HiddenAct}' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu).");
    }

    internal const string LayerHeadsKey = "mlnetllm_layer_attention_heads", LayerIntermediateKey = "mlnetllm_layer_intermediate_sizes";
}
