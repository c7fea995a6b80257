using MLNetLlm.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Adapters;

/// <summary>
/// LoRA and prompt tuning attached to the classifier directly: which projections take adapters and under which PEFT
/// prefixes, the seeded Kaiming-uniform bound 1/√fan_in of A, prompts drawn from rows of the word embedding, which
/// weights HF sees and which train.
/// </summary>
public sealed class AdapterAttachmentTests
{
    static BertConfig Config(int vocab = 50) => new()
    {
        VocabSize = vocab, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 32,
        MaxPositionEmbeddings = 32, HiddenDropoutProb = 0, AttentionProbsDropoutProb = 0, Labels = BertConfig.DefaultLabels(2),
    };

    [Fact]
    public void LoraGoesOnTheNamedProjectionsOfEveryLayerUnderPeftPrefixes()
    {
        using var model = new BertForSequenceClassification(Config());
        var hfKeys = model.HuggingFaceWeights().Keys.Order().ToList();
        var adapters = model.ApplyLora(4, 8, 0, ["query", "intermediate"], new Generator(3));
        Assert.Equal(4, adapters.Count);
        Assert.Equal(["bert.encoder.layer.0.attention.self.query", "bert.encoder.layer.0.intermediate.dense", "bert.encoder.layer.1.attention.self.query", "bert.encoder.layer.1.intermediate.dense"],
            model.LoraAdapters().Select(a => a.Prefix).Order());
        // A is drawn from U(−1/√fan_in, 1/√fan_in) with fan_in = 16 inputs: bound 0.25
        foreach (var a in adapters)
        {
            var values = a.A.detach().data<float>().ToArray();
            Assert.All(values, v => Assert.InRange(v, -0.25f, 0.25f));
            Assert.True(values.Max() > 0.2f && values.Min() < -0.2f, "the draws fill the range");
        }
        // the same seed draws the same A
        using var twin = new BertForSequenceClassification(Config());
        var twinAdapters = twin.ApplyLora(4, 8, 0, ["query", "intermediate"], new Generator(3));
        Assert.Equal(adapters[0].A.detach().data<float>().ToArray(), twinAdapters[0].A.detach().data<float>().ToArray());
        Assert.Equal(adapters[3].A.detach().data<float>().ToArray(), twinAdapters[3].A.detach().data<float>().ToArray());
        // HF's weights leave the adapters out
        Assert.Equal(hfKeys, model.HuggingFaceWeights().Keys.Order());

        var again = Assert.Throws<InvalidOperationException>(() => model.ApplyLora(4, 8, 0, ["query"]));
        Assert.Equal("'query' already has a LoRA adapter.", again.Message);
    }

    [Fact]
    public void UnknownOrNoLoraTargetsAreRefusedWithTheChoices()
    {
        using var model = new BertForSequenceClassification(Config());
        var unknown = Assert.Throws<ArgumentException>(() => model.ApplyLora(4, 8, 0, ["query", "dense"]));
        Assert.Equal("targets", unknown.ParamName);
        Assert.StartsWith("LoRA target module(s) 'dense' unknown; choose from query, key, value, attention.output, intermediate, output.", unknown.Message);
        var two = Assert.Throws<ArgumentException>(() => model.ApplyLora(4, 8, 0, ["dense", "query", "fc1"]));
        Assert.StartsWith("LoRA target module(s) 'dense', 'fc1' unknown;", two.Message);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => model.ApplyLora(4, 8, 0, [])).ParamName);
        Assert.Empty(model.LoraAdapters());
    }

    [Fact]
    public void PromptTokensStartAsWordEmbeddingRowsPastTheFirstThousandIdsWhenThereAreMore()
    {
        foreach (int vocab in new[] { 1200, 1000, 60 })
        {
            using var model = new BertForSequenceClassification(Config(vocab));
            var prompt = model.ApplyPromptTuning(20, new Generator(11));
            Assert.Equal(20, prompt.Count);
            var words = model.HuggingFaceWeights()["bert.embeddings.word_embeddings.weight"].detach();
            var table = Enumerable.Range(0, vocab).Select(i => words[i].data<float>().ToArray()).ToArray();
            var ids = Enumerable.Range(0, 20).Select(r =>
            {
                var row = prompt.Weight.detach()[r].data<float>().ToArray();
                return Array.FindIndex(table, t => t.SequenceEqual(row));
            }).ToArray();
            Assert.All(ids, id => Assert.InRange(id, vocab > 1000 ? 1000 : 0, vocab - 1));
            if (vocab < 1000) Assert.Contains(ids, id => id < 30); // all ids are candidates
            // the prompt is a parameter of the model (it trains), but no HF weight
            Assert.Contains(model.named_parameters(), np => np.name == "prompt.weight");
            Assert.DoesNotContain(model.HuggingFaceWeights().Keys, k => k.StartsWith("prompt", StringComparison.Ordinal));
            Assert.Equal("Prompt tuning is already applied.", Assert.Throws<InvalidOperationException>(() => model.ApplyPromptTuning(2)).Message);
        }
        using var other = new BertForSequenceClassification(Config());
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => other.ApplyPromptTuning(0)).ParamName);
        Assert.Null(other.Prompt);
    }

    [Fact]
    public void SetTrainableDecidesEachParameterByName()
    {
        using var model = new BertForSequenceClassification(Config());
        model.ApplyLora(2, 4, 0, ["value"]);
        model.SetTrainable(name => name.StartsWith("classifier", StringComparison.Ordinal) || name.Contains("_lora.", StringComparison.Ordinal));
        foreach (var (name, p) in model.named_parameters())
            Assert.Equal(name.StartsWith("classifier", StringComparison.Ordinal) || name.Contains("_lora.", StringComparison.Ordinal), p.requires_grad);
        Assert.Equal(2 + 2 * 2, model.named_parameters().Count(np => np.parameter.requires_grad)); // head weight and bias, A and B per layer
    }
}
