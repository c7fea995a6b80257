using MLNetLlm.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Reference;

/// <summary>
/// What the classifier does around the encoder, each against a reference written out in the test: the head's dropout
/// rate (HF's <c>classifier_dropout</c>, else <c>hidden_dropout_prob</c>) against inverted dropout drawn from an equally
/// seeded generator; prompt tuning's virtual tokens against the encoder run without a prompt on word embeddings with the
/// prompt rows written in after <c>[CLS]</c> by hand, attended and of token type 0; fused attention dropping only while
/// training; and the compute settings a model is given being the ones its layers use (bf16 with fused attention).
/// </summary>
public sealed class HeadAndPromptForwardTests
{
    static BertConfig Config(double hidden = 0, double attention = 0, double? head = null) => new()
    {
        VocabSize = 60, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 64,
        MaxPositionEmbeddings = 24, HiddenDropoutProb = hidden, AttentionProbsDropoutProb = attention,
        ClassifierDropout = head, Labels = BertConfig.DefaultLabels(3),
    };

    /// <summary>Weights of a trained model's scale (HF's 0.02 initialisation leaves every logit near 0): linear weights
    /// N(0, 1/fan_in), biases N(0, 0.1²), LayerNorm gains 1 + N(0, 0.2²), embeddings N(0, 1).</summary>
    static void Randomize(nn.Module module, Generator g)
    {
        using var _ = no_grad();
        foreach (var (name, p) in module.named_parameters())
        {
            using var r = randn(p.shape, generator: g);
            if (name.Contains("LayerNorm.weight")) p.copy_(1 + 0.2 * r);
            else if (name.EndsWith("bias") || name.Contains("LayerNorm")) p.copy_(0.1 * r);
            else if (name.Contains("embeddings") || name.StartsWith("prompt")) p.copy_(r);
            else p.copy_(r / Math.Sqrt(p.shape[1]));
        }
    }

    /// <summary>Three rows of 9 tokens: [CLS]-like id 2 first, the second row padded after 5 tokens, the third after 7;
    /// token types 0 then 1 from position 4.</summary>
    static (Tensor Ids, Tensor Mask, Tensor Types) Batch(Generator g)
    {
        long b = 3, t = 9;
        var mask = ones(b, t, ScalarType.Int64);
        mask[1, TensorIndex.Slice(5)] = tensor(0L);
        mask[2, TensorIndex.Slice(7)] = tensor(0L);
        var ids = randint(5, 60, [b, t], generator: g) * mask;
        ids[TensorIndex.Colon, 0] = tensor(2L);
        var types = cat([zeros(b, 4, ScalarType.Int64), ones(b, t - 4, ScalarType.Int64)], 1) * mask;
        return (ids, mask, types);
    }

    static void AssertClose(Tensor expected, Tensor actual, string what, double tolerance = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        MLNetLlm.Tests.AssertClose.All(expected.to_type(ScalarType.Float64).contiguous().data<double>().ToArray(),
            actual.to_type(ScalarType.Float64).contiguous().data<double>().ToArray(), tolerance, tolerance, what);
    }

    static double MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Theory]
    [InlineData(0.0, 0.4)] // only the head drops, at classifier_dropout
    [InlineData(0.3, 0.0)] // classifier_dropout = 0 keeps the head whole although the encoder drops at 0.3
    [InlineData(0.3, null)] // no classifier_dropout: the head drops at hidden_dropout_prob
    public void TheHeadDropsAtClassifierDropoutWhenGivenElseAtTheHiddenDropout(double hidden, double? head)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        using var model = new BertForSequenceClassification(Config(hidden: hidden, head: head));
        Randomize(model, g);
        var (ids, mask, types) = Batch(g);
        model.train();
        using var _ = no_grad();
        model.Compute.SeedDropout(11, CPU);
        var logits = model.Forward(ids, mask, types);

        // The encoder's forward under the same seed draws the same masks first; the head's mask comes next.
        model.Compute.SeedDropout(11, CPU);
        var (_, pooled) = model.Bert.Forward(ids, mask, types, null);
        double p = head ?? hidden;
        Tensor dropped;
        if (hidden == 0)
        {
            // Nothing drawn before the head: its keep-mask is the first uniform draw of a generator seeded with 11.
            var u = rand(pooled.shape, ScalarType.Float32, CPU, generator: new Generator(11));
            dropped = pooled * u.ge(p) / (1 - p);
        }
        else dropped = p == 0 ? pooled : model.Compute.Dropout(pooled, p, training: true);
        var expected = nn.functional.linear(dropped, model.Classifier.weight!, model.Classifier.bias!);
        AssertClose(expected, logits, $"logits, hidden {hidden}, head {head}");

        var whole = nn.functional.linear(pooled, model.Classifier.weight!, model.Classifier.bias!);
        if (p > 0) Assert.True(MaxDifference(whole, logits) > 1e-2, "the head's dropout must change the logits");
        else Assert.True(MaxDifference(whole, logits) == 0, "no head dropout: the logits are the whole pooled vector's");
    }

    [Fact]
    public void PromptTokensGoRightAfterClsAttendedAndOfTokenTypeZero()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        var c = Config();
        using var model = new BertForSequenceClassification(c);
        var prompt = model.ApplyPromptTuning(3, g);
        Randomize(model, g); // the prompt rows too, so they are unlike the rows they were taken from
        var (ids, mask, types) = Batch(g);
        model.eval();
        using var _ = no_grad();
        var (logits, hidden) = model.ForwardWithHidden(ids, mask, types);
        long b = ids.shape[0], t = ids.shape[1], n = prompt.Count;
        Assert.Equal(new[] { b, t + n, (long)c.HiddenSize }, hidden.shape);

        var words = model.Bert.Embeddings.WordEmbeddings.forward(ids);
        var rows = prompt.Weight.unsqueeze(0).expand(b, n, c.HiddenSize);
        var referenceWords = cat([words[TensorIndex.Colon, TensorIndex.Slice(0, 1)], rows, words[TensorIndex.Colon, TensorIndex.Slice(1)]], 1);
        var referenceMask = cat([mask[TensorIndex.Colon, TensorIndex.Slice(0, 1)], ones(b, n, ScalarType.Int64), mask[TensorIndex.Colon, TensorIndex.Slice(1)]], 1);
        var referenceTypes = cat([types[TensorIndex.Colon, TensorIndex.Slice(0, 1)], zeros(b, n, ScalarType.Int64), types[TensorIndex.Colon, TensorIndex.Slice(1)]], 1);
        var (referenceHidden, referencePooled) = model.Bert.ForwardWords(referenceWords, referenceMask, referenceTypes, null);
        var expected = nn.functional.linear(referencePooled, model.Classifier.weight!, model.Classifier.bias!);
        AssertClose(referenceHidden, hidden, "hidden states with the prompt");
        AssertClose(expected, logits, "logits with the prompt");

        var (_, withoutPrompt) = model.Bert.Forward(ids, mask, types, null);
        var plain = nn.functional.linear(withoutPrompt, model.Classifier.weight!, model.Classifier.bias!);
        Assert.True(MaxDifference(plain, logits) > 1e-2, "the prompt must change the logits");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void APromptOfNoVirtualTokensIsRefusedWithTheRule(int count)
    {
        using var model = new BertForSequenceClassification(Config());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.ApplyPromptTuning(count));
        Assert.Equal("count", e.ParamName);
        Assert.Contains("number of virtual tokens must be positive", e.Message);
        Assert.Null(model.Prompt);
    }

    [Fact]
    public void FusedAttentionDropsOnlyWhileTraining()
    {
        using var scope = NewDisposeScope();
        // The same weights with attention dropout 0.5 and 0; no other dropout.
        using var dropping = new BertForSequenceClassification(Config(attention: 0.5), new ComputeSettings { UseSdpa = true });
        using var plain = new BertForSequenceClassification(Config(attention: 0), new ComputeSettings { UseSdpa = true });
        Randomize(dropping, new Generator(7));
        Randomize(plain, new Generator(7));
        var (ids, mask, types) = Batch(new Generator(8));
        using var _ = no_grad();

        dropping.eval();
        plain.eval();
        var reference = plain.Forward(ids, mask, types);
        AssertClose(reference, dropping.Forward(ids, mask, types), "eval: attention dropout off");

        dropping.train();
        plain.train();
        manual_seed(9);
        Assert.True(MaxDifference(reference, dropping.Forward(ids, mask, types)) > 1e-2, "training: attention dropout on");
        AssertClose(reference, plain.Forward(ids, mask, types), "training at p = 0");
    }

    [Fact]
    public void TheGivenComputeSettingsAreUsedBFloat16WithFusedAttentionAndPadding()
    {
        using var scope = NewDisposeScope();
        var settings = new ComputeSettings { LowPrecision = ScalarType.BFloat16, UseSdpa = true };
        using var low = new BertForSequenceClassification(Config(), settings);
        using var full = new BertForSequenceClassification(Config());
        Assert.Same(settings, low.Compute);
        Randomize(low, new Generator(12));
        Randomize(full, new Generator(12));
        var (ids, mask, types) = Batch(new Generator(13));
        low.eval();
        full.eval();
        using var _ = no_grad();
        var reference = full.Forward(ids, mask, types);
        var logits = low.Forward(ids, mask, types);
        Assert.Equal(ScalarType.Float32, logits.dtype);
        // bf16 keeps 8 bits of mantissa: logits of unit scale move by ~1e-2, not by float32's ~1e-6, and not by more.
        double difference = MaxDifference(reference, logits);
        Assert.True(difference > 1e-4, $"bf16 products must show in the logits (max difference {difference})");
        Assert.True(difference < 0.15 * reference.abs().max().item<float>(), $"bf16 logits too far from float32 ({difference})");
    }
}
