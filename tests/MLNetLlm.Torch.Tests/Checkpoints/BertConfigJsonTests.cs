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
}
