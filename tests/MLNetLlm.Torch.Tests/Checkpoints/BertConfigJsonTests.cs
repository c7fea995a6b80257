using MLNetLlm.Torch.Models;

namespace MLNetLlm.Torch.Tests.Checkpoints;

/// <summary>
/// What <see cref="BertConfig.FromHuggingFaceJson"/> accepts and how it rejects, pinned when the hand-written
/// <c>JsonNode</c> mapping became System.Text.Json attributes: HF leniency (unknown keys, <c>64.0</c> for an integer,
/// a non-string <c>hidden_act</c> or a non-object key ignored, missing keys defaulted) and one error per bad key.
/// </summary>
public sealed class BertConfigJsonTests
{
    [Fact]
    public void AcceptsHFVariantsWithUnknownKeysAndDefaultsMissingOnes()
    {
        var c = BertConfig.FromHuggingFaceJson("""
            {
              "architectures": ["BertModel"], "transformers_version": "4.40.0", "some_future_key": {"a": [1, 2]},
              "model_type": "bert", "vocab_size": 100, "hidden_size": 64.0, "num_attention_heads": 4,
              "num_hidden_layers": 2, "intermediate_size": 128, "hidden_act": 7, "classifier_dropout": null,
              "tie_word_embeddings": "yes", "type_vocab_size": [1], "num_labels": 3, "label2id": [1], "dtype": 32
            }
            """);
        var d = new BertConfig();
        Assert.Equal((100, 64, 4, 2, 128), (c.VocabSize, c.HiddenSize, c.NumAttentionHeads, c.NumHiddenLayers, c.IntermediateSize));
        Assert.Equal(d.HiddenAct, c.HiddenAct);
        Assert.Null(c.ClassifierDropout);
        Assert.Equal(d.TieWordEmbeddings, c.TieWordEmbeddings);
        Assert.Equal(d.TypeVocabSize, c.TypeVocabSize);
        Assert.Equal(BertConfig.DefaultLabels(3), c.Labels);
        Assert.Equal((d.MaxPositionEmbeddings, d.LayerNormEps, d.HiddenDropoutProb, d.PadTokenId), (c.MaxPositionEmbeddings, c.LayerNormEps, c.HiddenDropoutProb, c.PadTokenId));
        Assert.Null(c.LayerAttentionHeads);

        var labelled = BertConfig.FromHuggingFaceJson("""{"id2label": {"1": "spam", "0": "ham"}, "num_labels": 5, "problem_type": "single_label_classification"}""");
        Assert.Equal(["ham", "spam"], labelled.Labels);
        Assert.Equal("single_label_classification", labelled.ProblemType);
        Assert.Equal(labelled, BertConfig.FromHuggingFaceJson(labelled.ToHuggingFaceJson()) with { Labels = labelled.Labels });
    }

    [Theory]
    [InlineData("""{"hidden_size": "big"}""", "config key 'hidden_size' must be an integer (got \"big\").")]
    [InlineData("""{"hidden_size": 64.5}""", "config key 'hidden_size' must be an integer (got 64.5).")]
    [InlineData("""{"layer_norm_eps": true}""", "config key 'layer_norm_eps' must be a number (got true).")]
    [InlineData("""{"num_hidden_layers": 2, "mlnetllm_layer_intermediate_sizes": [64, "x"]}""", "config key 'mlnetllm_layer_intermediate_sizes'[1] must be an integer (got \"x\").")]
    [InlineData("""{"mlnetllm_layer_attention_heads": 3}""", "config key 'mlnetllm_layer_attention_heads' must be an array of integers (got 3).")]
    [InlineData("""{"id2label": {"0": "a", "5": "b"}}""", "id2label key '5' is not an index in 0..1.")]
    [InlineData("""{"id2label": {"0": null}}""", "id2label[0] is null.")]
    [InlineData("""{"model_type": "roberta"}""", "model_type is 'roberta'; only BERT-compatible encoders ('bert') are supported.")]
    [InlineData("""{"position_embedding_type": "relative_key"}""", "position_embedding_type 'relative_key' is not supported (only 'absolute').")]
    [InlineData("""{"hidden_size": 10, "num_attention_heads": 3}""", "hidden_size 10 is not a multiple of num_attention_heads 3.")]
    [InlineData("null", "config is empty")]
    public void BadValuesGetOneErrorNamingTheKey(string json, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => BertConfig.FromHuggingFaceJson(json)).Message);

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("{\"hidden_size\": 64")]
    [InlineData("not json")]
    public void TextThatIsNotAJSONObjectIsRejected(string json) =>
        Assert.StartsWith("config is not a JSON object: ", Assert.Throws<FormatException>(() => BertConfig.FromHuggingFaceJson(json)).Message);

    /// <summary>A small valid config as JSON with <paramref name="extra"/> keys set on top (later keys win in System.Text.Json).</summary>
    static string Small(string extra) =>
        """{"vocab_size": 10, "hidden_size": 4, "num_attention_heads": 1, "num_hidden_layers": 2, "intermediate_size": 8, "max_position_embeddings": 8, "type_vocab_size": 2""" +
        (extra.Length > 0 ? ", " + extra : "") + "}";

    static string Refused(string extra) => Assert.Throws<FormatException>(() => BertConfig.FromHuggingFaceJson(Small(extra))).Message;

    [Theory]
    [InlineData("vocab_size")]
    [InlineData("hidden_size")]
    [InlineData("num_attention_heads")]
    [InlineData("num_hidden_layers")]
    [InlineData("intermediate_size")]
    [InlineData("max_position_embeddings")]
    [InlineData("type_vocab_size")]
    public void EverySizeMustBeAtLeastOne(string key)
    {
        var one = BertConfig.FromHuggingFaceJson(Small($"\"{key}\": 1"));
        Assert.Equal(1, key switch
        {
            "vocab_size" => one.VocabSize, "hidden_size" => one.HiddenSize, "num_attention_heads" => one.NumAttentionHeads,
            "num_hidden_layers" => one.NumHiddenLayers, "intermediate_size" => one.IntermediateSize,
            "max_position_embeddings" => one.MaxPositionEmbeddings, _ => one.TypeVocabSize,
        });
        Assert.Equal($"{key} must be positive (got 0).", Refused($"\"{key}\": 0"));
        Assert.Equal($"{key} must be positive (got -3).", Refused($"\"{key}\": -3"));
    }

    [Theory]
    [InlineData("hidden_dropout_prob")]
    [InlineData("attention_probs_dropout_prob")]
    [InlineData("classifier_dropout")]
    public void DropoutProbabilitiesLieInZeroToOneExcludingOne(string key)
    {
        foreach (double ok in new[] { 0.0, 0.5, 0.999 })
        {
            var c = BertConfig.FromHuggingFaceJson(Small($"\"{key}\": {ok.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
            Assert.Equal(ok, key switch { "hidden_dropout_prob" => c.HiddenDropoutProb, "attention_probs_dropout_prob" => c.AttentionProbsDropoutProb, _ => c.ClassifierDropout!.Value });
        }
        Assert.Equal($"{key} must be in [0, 1) (got 1).", Refused($"\"{key}\": 1"));
        Assert.Equal($"{key} must be in [0, 1) (got -0.25).", Refused($"\"{key}\": -0.25"));
        var nan = new BertConfig { VocabSize = 10, HiddenSize = 4, NumAttentionHeads = 1 } with
        {
            HiddenDropoutProb = key == "hidden_dropout_prob" ? double.NaN : 0.1,
            AttentionProbsDropoutProb = key == "attention_probs_dropout_prob" ? double.NaN : 0.1,
            ClassifierDropout = key == "classifier_dropout" ? double.NaN : null,
        };
        Assert.Equal($"{key} must be in [0, 1) (got NaN).", Assert.Throws<FormatException>(nan.Validate).Message);
    }

    [Fact]
    public void ThePaddingIdMustBeAVocabularyId()
    {
        Assert.Equal(0, BertConfig.FromHuggingFaceJson(Small("")).PadTokenId); // HF's default
        Assert.Equal(9, BertConfig.FromHuggingFaceJson(Small("\"pad_token_id\": 9")).PadTokenId);
        Assert.Equal("pad_token_id 10 is outside the vocabulary (0..9).", Refused("\"pad_token_id\": 10"));
        Assert.Equal("pad_token_id -1 is outside the vocabulary (0..9).", Refused("\"pad_token_id\": -1"));
        Assert.Equal("pad_token_id -2 is outside the vocabulary (0..9).", Refused("\"pad_token_id\": -2.0")); // -2.0 reads as -2
    }

    [Fact]
    public void PerLayerWidthsNeedOnePositiveEntryPerLayerAndAnswerPerLayer()
    {
        var c = BertConfig.FromHuggingFaceJson(Small("\"num_attention_heads\": 2, \"mlnetllm_layer_attention_heads\": [1, 2], \"mlnetllm_layer_intermediate_sizes\": [3, 8]"));
        Assert.Equal((1, 2, 3, 8), (c.AttentionHeadsOf(0), c.AttentionHeadsOf(1), c.IntermediateSizeOf(0), c.IntermediateSizeOf(1)));
        Assert.Equal(2, c.HeadSize); // heads keep the configured width, hidden_size / num_attention_heads
        var uniform = BertConfig.FromHuggingFaceJson(Small("\"num_attention_heads\": 2, \"mlnetllm_layer_attention_heads\": null"));
        Assert.Null(uniform.LayerAttentionHeads);
        Assert.Equal((2, 2, 8, 8), (uniform.AttentionHeadsOf(0), uniform.AttentionHeadsOf(1), uniform.IntermediateSizeOf(0), uniform.IntermediateSizeOf(1)));

        foreach (var key in new[] { "mlnetllm_layer_attention_heads", "mlnetllm_layer_intermediate_sizes" })
        {
            Assert.Equal($"{key} has 1 entries but num_hidden_layers is 2.", Refused($"\"{key}\": [1]"));
            Assert.Equal($"{key} has 3 entries but num_hidden_layers is 2.", Refused($"\"{key}\": [1, 1, 1]"));
            Assert.Equal($"{key}[1] must be positive (got 0).", Refused($"\"{key}\": [1, 0]"));
            Assert.Equal($"{key}[0] must be positive (got -1).", Refused($"\"{key}\": [-1, 1]"));
        }
    }

    [Fact]
    public void OnlyTheActivationsTheEncoderImplementsAreAccepted()
    {
        foreach (var act in new[] { "gelu", "gelu_new", "gelu_pytorch_tanh", "relu" })
            Assert.Equal(act, BertConfig.FromHuggingFaceJson(Small($"\"hidden_act\": \"{act}\"")).HiddenAct);
        Assert.Equal("hidden_act 'swish' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu).", Refused("\"hidden_act\": \"swish\""));
    }

    [Fact]
    public void LabelsComeFromId2LabelKeysThatAreIndicesOrElseFromNumLabels()
    {
        Assert.Equal(["LABEL_0", "LABEL_1", "LABEL_2"], BertConfig.FromHuggingFaceJson(Small("\"id2label\": {}, \"num_labels\": 3")).Labels);
        Assert.Equal(["LABEL_0", "LABEL_1"], BertConfig.FromHuggingFaceJson(Small("")).Labels);
        Assert.Equal(["a", "b"], BertConfig.FromHuggingFaceJson(Small("\"id2label\": {\"1\": \"b\", \"0\": \"a\"}")).Labels);
        Assert.Equal("id2label key '2' is not an index in 0..1.", Refused("\"id2label\": {\"0\": \"a\", \"2\": \"b\"}"));
        Assert.Equal("id2label key '-1' is not an index in 0..1.", Refused("\"id2label\": {\"0\": \"a\", \"-1\": \"b\"}"));
        Assert.Equal("id2label key '+1' is not an index in 0..1.", Refused("\"id2label\": {\"0\": \"a\", \"+1\": \"b\"}"));
        Assert.Equal("number of labels (id2label) must be positive (got 0).", Refused("\"num_labels\": 0"));
    }

    [Fact]
    public void IntegerKeysAcceptWholeNumbersWrittenAsFractionsButNothingOutsideInt32()
    {
        Assert.Equal(64, BertConfig.FromHuggingFaceJson(Small("\"hidden_size\": 64.0")).HiddenSize);
        Assert.Equal("config key 'vocab_size' must be an integer (got 3e9).", Refused("\"vocab_size\": 3e9"));
        Assert.Equal("config key 'pad_token_id' must be an integer (got -3e9).", Refused("\"pad_token_id\": -3e9"));
        Assert.Equal("config key 'vocab_size' must be an integer (got 2147483648).", Refused("\"vocab_size\": 2147483648"));
        // null and objects read as absent (HF leniency): the defaults apply
        var absent = BertConfig.FromHuggingFaceJson("""{"hidden_size": null, "layer_norm_eps": {"x": 1}, "initializer_range": null, "tie_word_embeddings": null}""");
        var d = new BertConfig();
        Assert.Equal((d.HiddenSize, d.LayerNormEps, d.InitializerRange, d.TieWordEmbeddings), (absent.HiddenSize, absent.LayerNormEps, absent.InitializerRange, absent.TieWordEmbeddings));
        Assert.Equal("config key 'layer_norm_eps' must be a number (got \"small\").", Refused("\"layer_norm_eps\": \"small\""));
    }

    [Fact]
    public void EveryFieldRoundTripsThroughTheHuggingFaceJsonWrittenWithHfKeys()
    {
        var c = new BertConfig
        {
            VocabSize = 77, HiddenSize = 12, NumHiddenLayers = 2, NumAttentionHeads = 3, IntermediateSize = 20, HiddenAct = "relu",
            HiddenDropoutProb = 0.2, AttentionProbsDropoutProb = 0.3, MaxPositionEmbeddings = 40, TypeVocabSize = 3,
            InitializerRange = 0.05, LayerNormEps = 1e-5, PadTokenId = 7, ClassifierDropout = 0.4, Labels = ["neg", "neu", "pos"],
            ProblemType = "regression", TieWordEmbeddings = false, LayerAttentionHeads = [2, 3], LayerIntermediateSizes = [20, 9],
        };
        string json = c.ToHuggingFaceJson();
        var back = BertConfig.FromHuggingFaceJson(json);
        Assert.Equal(c.Labels, back.Labels);
        Assert.Equal(c.LayerAttentionHeads, back.LayerAttentionHeads);
        Assert.Equal(c.LayerIntermediateSizes, back.LayerIntermediateSizes);
        Assert.Equal(c, back with { Labels = c.Labels, LayerAttentionHeads = c.LayerAttentionHeads, LayerIntermediateSizes = c.LayerIntermediateSizes });

        // the keys HF's BertForSequenceClassification reads, read here with System.Text.Json.Nodes
        var o = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        Assert.Equal("BertForSequenceClassification", o["architectures"]![0]!.GetValue<string>());
        Assert.Equal(("bert", "absolute", "float32"), (o["model_type"]!.GetValue<string>(), o["position_embedding_type"]!.GetValue<string>(), o["dtype"]!.GetValue<string>()));
        Assert.Equal(("neg", "neu", "pos"), (o["id2label"]!["0"]!.GetValue<string>(), o["id2label"]!["1"]!.GetValue<string>(), o["id2label"]!["2"]!.GetValue<string>()));
        Assert.Equal((0, 1, 2), (o["label2id"]!["neg"]!.GetValue<int>(), o["label2id"]!["neu"]!.GetValue<int>(), o["label2id"]!["pos"]!.GetValue<int>()));
        Assert.Equal((77, 12, 7, false, 1e-5), (o["vocab_size"]!.GetValue<int>(), o["hidden_size"]!.GetValue<int>(), o["pad_token_id"]!.GetValue<int>(), o["tie_word_embeddings"]!.GetValue<bool>(), o["layer_norm_eps"]!.GetValue<double>()));
        Assert.Equal(0.4, o["classifier_dropout"]!.GetValue<double>());

        // absent optional values: classifier_dropout written as null; no problem_type or per-layer keys
        var plain = System.Text.Json.Nodes.JsonNode.Parse(new BertConfig().ToHuggingFaceJson())!.AsObject();
        Assert.True(plain.ContainsKey("classifier_dropout") && plain["classifier_dropout"] is null);
        Assert.False(plain.ContainsKey("problem_type") || plain.ContainsKey("mlnetllm_layer_attention_heads") || plain.ContainsKey("mlnetllm_layer_intermediate_sizes"));
        Assert.True(plain["tie_word_embeddings"]!.GetValue<bool>());
    }

    [Fact]
    public void LoadNamesAMissingFileAndPrefixesErrorsWithThePath()
    {
        string dir = Directory.CreateTempSubdirectory("bert-config-").FullName;
        try
        {
            string missing = Path.Combine(dir, "none.json");
            var notFound = Assert.Throws<FileNotFoundException>(() => BertConfig.Load(missing));
            Assert.Equal($"BERT config '{missing}' does not exist.", notFound.Message);
            string bad = Path.Combine(dir, "config.json");
            File.WriteAllText(bad, """{"hidden_size": 0}""");
            Assert.Equal($"'{bad}': hidden_size must be positive (got 0).", Assert.Throws<FormatException>(() => BertConfig.Load(bad)).Message);
            File.WriteAllText(bad, Small("\"pad_token_id\": 3"));
            Assert.Equal(3, BertConfig.Load(bad).PadTokenId);
        }
        finally { Directory.Delete(dir, true); }
    }
}
