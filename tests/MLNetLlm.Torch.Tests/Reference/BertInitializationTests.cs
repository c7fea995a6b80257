using MLNetLlm.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Reference;

/// <summary>
/// A new model's weights against HF's <c>BertPreTrainedModel._init_weights</c>: linear and embedding weights drawn from
/// N(0, initializer_range²), biases zero, LayerNorm gains one and shifts zero, the padding row of the word embedding zero;
/// adapters and prompts keep their own initialisation. Moments are checked on tens of thousands of draws.
/// </summary>
public sealed class BertInitializationTests
{
    static BertConfig Config(double range) => new()
    {
        VocabSize = 300, HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 128,
        MaxPositionEmbeddings = 64, PadTokenId = 7, InitializerRange = range, Labels = BertConfig.DefaultLabels(3),
    };

    [Theory]
    [InlineData(0.02)]
    [InlineData(0.5)]
    public void WeightsAreNormalWithTheConfiguredSpreadBiasesZeroLayerNormsOneAndThePaddingRowZero(double range)
    {
        using var model = new BertForSequenceClassification(Config(range));
        // first put every parameter away from its initial value, so nothing passes by keeping libtorch's defaults
        using (no_grad())
            foreach (var (_, p) in model.named_parameters()) p.fill_(3.0);
        model.InitializeWeights(new Generator(5));

        int normals = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            using var values = p.detach().to_type(ScalarType.Float64).flatten();
            var v = values.data<double>().ToArray();
            if (name.EndsWith("LayerNorm.weight", StringComparison.Ordinal)) Assert.All(v, x => Assert.Equal(1.0, x));
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) Assert.All(v, x => Assert.Equal(0.0, x));
            else
            {
                if (name == "bert.embeddings.word_embeddings.weight")
                {
                    Assert.All(v.Skip(7 * 64).Take(64), x => Assert.Equal(0.0, x)); // the padding row
                    v = [.. v.Take(7 * 64), .. v.Skip(8 * 64)];
                }
                // mean within 5 standard errors of 0, standard deviation within 5% of the range (n ≥ 192 draws;
                // the classifier [3, 64] is the smallest)
                double mean = v.Average(), sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
                Assert.True(Math.Abs(mean) < 5 * range / Math.Sqrt(v.Length), $"{name}: mean {mean}");
                Assert.InRange(sd / range, v.Length > 1000 ? 0.95 : 0.85, v.Length > 1000 ? 1.05 : 1.15);
                normals++;
            }
        }
        // word, position and type embeddings, 6 projections per layer, the pooler and the classifier
        Assert.Equal(3 + 6 * 2 + 2, normals);
    }

    [Fact]
    public void TheSameGeneratorSeedGivesTheSameWeightsAndAdaptersKeepTheirOwnInitialisation()
    {
        using var a = new BertForSequenceClassification(Config(0.02));
        using var b = new BertForSequenceClassification(Config(0.02));
        var lora = b.ApplyLora(2, 4, 0, ["query"], new Generator(1));
        using var loraA = lora[0].A.detach().clone();
        a.InitializeWeights(new Generator(9));
        b.InitializeWeights(new Generator(9));
        var bw = b.HuggingFaceWeights();
        foreach (var (name, p) in a.HuggingFaceWeights())
            Assert.Equal(p.detach().data<float>().ToArray(), bw[name].detach().data<float>().ToArray());
        Assert.Equal(loraA.data<float>().ToArray(), lora[0].A.detach().data<float>().ToArray()); // the LoRA A matrix is not redrawn
        Assert.Equal(0.0, lora[0].B.abs().max().item<float>()); // B starts at zero, so the adapter starts as the identity
    }

    [Fact]
    public void CurrentConfigRecordsPerLayerWidthsOnlyWhenTheyDiffer()
    {
        var pruned = Config(0.02) with { LayerAttentionHeads = [4, 2], LayerIntermediateSizes = [128, 40] };
        using var model = new BertForSequenceClassification(pruned);
        var current = model.CurrentConfig();
        Assert.Equal([4, 2], current.LayerAttentionHeads);
        Assert.Equal([128, 40], current.LayerIntermediateSizes);
        // the module shapes follow HF's pruned layout: query/key/value out = heads · head size, FFN in = width
        var w = model.HuggingFaceWeights();
        Assert.Equal([2 * 16L, 64], w["bert.encoder.layer.1.attention.self.query.weight"].shape);
        Assert.Equal([64L, 2 * 16], w["bert.encoder.layer.1.attention.output.dense.weight"].shape);
        Assert.Equal([40L, 64], w["bert.encoder.layer.1.intermediate.dense.weight"].shape);
        Assert.Equal([64L, 40], w["bert.encoder.layer.1.output.dense.weight"].shape);

        using var plain = new BertForSequenceClassification(Config(0.02));
        Assert.Null(plain.CurrentConfig().LayerAttentionHeads);
        Assert.Null(plain.CurrentConfig().LayerIntermediateSizes);
        var onlyHeads = Config(0.02) with { LayerAttentionHeads = [4, 1] };
        using var headsPruned = new BertForSequenceClassification(onlyHeads);
        Assert.Equal([4, 1], headsPruned.CurrentConfig().LayerAttentionHeads);
        Assert.Null(headsPruned.CurrentConfig().LayerIntermediateSizes);
    }

    [Fact]
    public void AModelIsNotBuiltFromAnInvalidConfig()
    {
        var ex = Assert.Throws<FormatException>(() => new BertForSequenceClassification(Config(0.02) with { HiddenSize = 10, NumAttentionHeads = 3 }));
        Assert.Equal("hidden_size 10 is not a multiple of num_attention_heads 3.", ex.Message);
    }
}
