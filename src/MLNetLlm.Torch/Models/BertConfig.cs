using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

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
        JsonObject o;
        try { o = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("config is empty"); }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException) { throw new FormatException($"config is not a JSON object: {ex.Message}", ex); }

        string? modelType = Str(o, "model_type");
        if (modelType is not null and not "bert")
            throw new FormatException($"model_type is '{modelType}'; only BERT-compatible encoders ('bert') are supported.");
        string? positions = Str(o, "position_embedding_type");
        if (positions is not null and not "absolute")
            throw new FormatException($"position_embedding_type '{positions}' is not supported (only 'absolute').");

        var d = new BertConfig();
        IReadOnlyList<string> labels = d.Labels;
        if (o["id2label"] is JsonObject id2label && id2label.Count > 0)
        {
            var arr = new string[id2label.Count];
            foreach (var (k, v) in id2label)
            {
                if (!int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out int i) || i >= arr.Length)
                    throw new FormatException($"id2label key '{k}' is not an index in 0..{arr.Length - 1}.");
                arr[i] = v?.GetValue<string>() ?? throw new FormatException($"id2label[{k}] is null.");
            }
            labels = arr;
        }
        else if (Int(o, "num_labels") is int n) labels = DefaultLabels(n);

        var c = new BertConfig
        {
            VocabSize = Int(o, "vocab_size") ?? d.VocabSize,
            HiddenSize = Int(o, "hidden_size") ?? d.HiddenSize,
            NumHiddenLayers = Int(o, "num_hidden_layers") ?? d.NumHiddenLayers,
            NumAttentionHeads = Int(o, "num_attention_heads") ?? d.NumAttentionHeads,
            IntermediateSize = Int(o, "intermediate_size") ?? d.IntermediateSize,
            HiddenAct = Str(o, "hidden_act") ?? d.HiddenAct,
            HiddenDropoutProb = Dbl(o, "hidden_dropout_prob") ?? d.HiddenDropoutProb,
            AttentionProbsDropoutProb = Dbl(o, "attention_probs_dropout_prob") ?? d.AttentionProbsDropoutProb,
            MaxPositionEmbeddings = Int(o, "max_position_embeddings") ?? d.MaxPositionEmbeddings,
            TypeVocabSize = Int(o, "type_vocab_size") ?? d.TypeVocabSize,
            InitializerRange = Dbl(o, "initializer_range") ?? d.InitializerRange,
            LayerNormEps = Dbl(o, "layer_norm_eps") ?? d.LayerNormEps,
            PadTokenId = Int(o, "pad_token_id") ?? d.PadTokenId,
            ClassifierDropout = Dbl(o, "classifier_dropout"),
            Labels = labels,
            ProblemType = Str(o, "problem_type"),
            TieWordEmbeddings = o["tie_word_embeddings"] is JsonValue tv && tv.TryGetValue(out bool tie) ? tie : d.TieWordEmbeddings,
            LayerAttentionHeads = IntList(o, LayerHeadsKey),
            LayerIntermediateSizes = IntList(o, LayerIntermediateKey),
        };
        c.Validate();
        return c;
    }

    /// <summary>Writes this config as a HF <c>config.json</c> for <c>BertForSequenceClassification</c>.</summary>
    public string ToHuggingFaceJson()
    {
        var id2label = new JsonObject();
        var label2id = new JsonObject();
        for (int i = 0; i < Labels.Count; i++)
        {
            id2label[i.ToString(CultureInfo.InvariantCulture)] = Labels[i];
            label2id[Labels[i]] = i;
        }
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray("BertForSequenceClassification"),
            ["model_type"] = "bert",
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["intermediate_size"] = IntermediateSize,
            ["hidden_act"] = HiddenAct,
            ["hidden_dropout_prob"] = HiddenDropoutProb,
            ["attention_probs_dropout_prob"] = AttentionProbsDropoutProb,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["type_vocab_size"] = TypeVocabSize,
            ["initializer_range"] = InitializerRange,
            ["layer_norm_eps"] = LayerNormEps,
            ["pad_token_id"] = PadTokenId,
            ["position_embedding_type"] = "absolute",
            ["classifier_dropout"] = ClassifierDropout,
            ["id2label"] = id2label,
            ["label2id"] = label2id,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["dtype"] = "float32",
        };
        if (ProblemType != null) o["problem_type"] = ProblemType;
        if (LayerAttentionHeads != null) o[LayerHeadsKey] = new JsonArray(LayerAttentionHeads.Select(h => (JsonNode)h).ToArray());
        if (LayerIntermediateSizes != null) o[LayerIntermediateKey] = new JsonArray(LayerIntermediateSizes.Select(h => (JsonNode)h).ToArray());
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
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

    const string LayerHeadsKey = "mlnetllm_layer_attention_heads", LayerIntermediateKey = "mlnetllm_layer_intermediate_sizes";

    static IReadOnlyList<int>? IntList(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonArray a => a.Select((v, i) => v is JsonValue jv && jv.TryGetValue(out int n) ? n
            : throw new FormatException($"config key '{key}'[{i}] must be an integer (got {v?.ToJsonString() ?? "null"}).")).ToArray(),
        var v => throw new FormatException($"config key '{key}' must be an array of integers (got {v.ToJsonString()})."),
    };

    static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    static int? Int(JsonObject o, string key)
    {
        if (o[key] is not JsonValue v) return null;
        if (v.TryGetValue(out int i)) return i;
        if (v.TryGetValue(out double dd) && dd == Math.Floor(dd) && Math.Abs(dd) < int.MaxValue) return (int)dd;
        throw new FormatException($"config key '{key}' must be an integer (got {v.ToJsonString()}).");
    }

    static double? Dbl(JsonObject o, string key)
    {
        if (o[key] is not JsonValue v) return null;
        if (v.TryGetValue(out double d)) return d;
        throw new FormatException($"config key '{key}' must be a number (got {v.ToJsonString()}).");
    }
}
