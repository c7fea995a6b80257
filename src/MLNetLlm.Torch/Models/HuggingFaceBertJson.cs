using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNetLlm.Torch.Models;

/// <summary>
/// HuggingFace's BERT <c>config.json</c> as System.Text.Json reads and writes it (<see cref="BertConfigJsonContext"/>,
/// source-generated). Keys are HF's; values keep HF's leniency: a string key holding another JSON type is ignored, a
/// number key that is null, an object or an array is ignored, one that holds a string or a fraction is an error
/// (<see cref="ConfigValueException"/>, turned into a <see cref="FormatException"/> naming the key by <see cref="BertConfig"/>).
/// </summary>
internal sealed class HuggingFaceBertJson
{
    [JsonPropertyName("architectures")] public JsonElement? Architectures { get; set; }
    [JsonPropertyName("model_type"), JsonConverter(typeof(LenientString))] public string? ModelType { get; set; }
    [JsonPropertyName("vocab_size"), JsonConverter(typeof(IntegerValue))] public int? VocabSize { get; set; }
    [JsonPropertyName("hidden_size"), JsonConverter(typeof(IntegerValue))] public int? HiddenSize { get; set; }
    [JsonPropertyName("num_hidden_layers"), JsonConverter(typeof(IntegerValue))] public int? NumHiddenLayers { get; set; }
    [JsonPropertyName("num_attention_heads"), JsonConverter(typeof(IntegerValue))] public int? NumAttentionHeads { get; set; }
    [JsonPropertyName("intermediate_size"), JsonConverter(typeof(IntegerValue))] public int? IntermediateSize { get; set; }
    [JsonPropertyName("hidden_act"), JsonConverter(typeof(LenientString))] public string? HiddenAct { get; set; }
    [JsonPropertyName("hidden_dropout_prob"), JsonConverter(typeof(NumberValue))] public double? HiddenDropoutProb { get; set; }
    [JsonPropertyName("attention_probs_dropout_prob"), JsonConverter(typeof(NumberValue))] public double? AttentionProbsDropoutProb { get; set; }
    [JsonPropertyName("max_position_embeddings"), JsonConverter(typeof(IntegerValue))] public int? MaxPositionEmbeddings { get; set; }
    [JsonPropertyName("type_vocab_size"), JsonConverter(typeof(IntegerValue))] public int? TypeVocabSize { get; set; }
    [JsonPropertyName("initializer_range"), JsonConverter(typeof(NumberValue))] public double? InitializerRange { get; set; }
    [JsonPropertyName("layer_norm_eps"), JsonConverter(typeof(NumberValue))] public double? LayerNormEps { get; set; }
    [JsonPropertyName("pad_token_id"), JsonConverter(typeof(IntegerValue))] public int? PadTokenId { get; set; }
    [JsonPropertyName("position_embedding_type"), JsonConverter(typeof(LenientString))] public string? PositionEmbeddingType { get; set; }
    [JsonPropertyName("classifier_dropout"), JsonConverter(typeof(NumberValue))] public double? ClassifierDropout { get; set; }
    [JsonPropertyName("num_labels"), JsonConverter(typeof(IntegerValue)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? NumLabels { get; set; }
    [JsonPropertyName("id2label")] public JsonElement? Id2Label { get; set; }
    [JsonPropertyName("label2id")] public JsonElement? Label2Id { get; set; }
    [JsonPropertyName("tie_word_embeddings"), JsonConverter(typeof(LenientBoolean))] public bool? TieWordEmbeddings { get; set; }
    [JsonPropertyName("dtype"), JsonConverter(typeof(LenientString))] public string? DType { get; set; }
    [JsonPropertyName("problem_type"), JsonConverter(typeof(LenientString)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ProblemType { get; set; }
    [JsonPropertyName(BertConfig.LayerHeadsKey), JsonConverter(typeof(IntegerList)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int[]? LayerAttentionHeads { get; set; }
    [JsonPropertyName(BertConfig.LayerIntermediateKey), JsonConverter(typeof(IntegerList)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int[]? LayerIntermediateSizes { get; set; }

    /// <summary>A value of the wrong JSON type; the message is what follows "config key 'name'".</summary>
    internal sealed class ConfigValueException(string tail) : JsonException(tail);

    static string Raw(ref Utf8JsonReader reader) => JsonElement.ParseValue(ref reader).GetRawText();

    /// <summary>True when the value is an object or array (skipped: HF leniency) or null.</summary>
    static bool SkipNonScalar(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) { reader.Skip(); return true; }
        return reader.TokenType == JsonTokenType.Null;
    }

    /// <summary>An integer; <c>768.0</c> is accepted as 768.</summary>
    internal sealed class IntegerValue : JsonConverter<int?>
    {
        public override int? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (SkipNonScalar(ref reader)) return null;
            if (reader.TokenType == JsonTokenType.Number)
            {
                if (reader.TryGetInt32(out int i)) return i;
                if (reader.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue) return (int)d;
            }
            throw new ConfigValueException($" must be an integer (got {Raw(ref reader)}).");
        }

        public override void Write(Utf8JsonWriter writer, int? value, JsonSerializerOptions options)
        {
            if (value is int v) writer.WriteNumberValue(v);
            else writer.WriteNullValue();
        }
    }

    /// <summary>A number.</summary>
    internal sealed class NumberValue : JsonConverter<double?>
    {
        public override double? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (SkipNonScalar(ref reader)) return null;
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out double d)) return d;
            throw new ConfigValueException($" must be a number (got {Raw(ref reader)}).");
        }

        public override void Write(Utf8JsonWriter writer, double? value, JsonSerializerOptions options)
        {
            if (value is double v) writer.WriteNumberValue(v);
            else writer.WriteNullValue();
        }
    }

    /// <summary>A string; any other JSON value reads as absent.</summary>
    internal sealed class LenientString : JsonConverter<string?>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String) return reader.GetString();
            reader.Skip();
            return null;
        }

        public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    /// <summary>A boolean; any other JSON value reads as absent.</summary>
    internal sealed class LenientBoolean : JsonConverter<bool?>
    {
        public override bool? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType is JsonTokenType.True or JsonTokenType.False) return reader.GetBoolean();
            reader.Skip();
            return null;
        }

        public override void Write(Utf8JsonWriter writer, bool? value, JsonSerializerOptions options)
        {
            if (value is bool v) writer.WriteBooleanValue(v);
            else writer.WriteNullValue();
        }
    }

    /// <summary>An array of integers (per-layer widths of a pruned encoder).</summary>
    internal sealed class IntegerList : JsonConverter<int[]?>
    {
        public override int[]? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            if (reader.TokenType != JsonTokenType.StartArray)
                throw new ConfigValueException($" must be an array of integers (got {Raw(ref reader)}).");
            var values = new List<int>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int n)) values.Add(n);
                else throw new ConfigValueException($"[{values.Count}] must be an integer (got {Raw(ref reader)}).");
            }
            return [.. values];
        }

        public override void Write(Utf8JsonWriter writer, int[]? value, JsonSerializerOptions options)
        {
            if (value is null) { writer.WriteNullValue(); return; }
            writer.WriteStartArray();
            foreach (int v in value) writer.WriteNumberValue(v);
            writer.WriteEndArray();
        }
    }
}

/// <summary>Source-generated (de)serialization of <see cref="HuggingFaceBertJson"/>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(HuggingFaceBertJson))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class BertConfigJsonContext : JsonSerializerContext;
