using MLNetLlm.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Reference;

/// <summary>
/// The encoder's pieces against libtorch's own implementations and against the defining formulas evaluated in float64,
/// on random weights and inputs of a trained model's scale (pre-activations spread over ±6, attention scores with a
/// standard deviation of ~2, LayerNorm gains and shifts away from 1 and 0, padded rows). The tiny HF fixture's
/// near-zero activations cannot tell exact GELU from its tanh approximation; these inputs can (they differ by up to
/// ~5e-4 at |x| ≈ 2, 50× the tolerances here).
/// </summary>
public sealed class EncoderReferenceTests
{
    const double Abs = 1e-5, Rel = 1e-5;

    static BertConfig Config(double eps = 1e-12, string act = "gelu") => new()
    {
        VocabSize = 97, HiddenSize = 48, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 96,
        MaxPositionEmbeddings = 40, HiddenDropoutProb = 0, AttentionProbsDropoutProb = 0, LayerNormEps = eps, HiddenAct = act,
        Labels = BertConfig.DefaultLabels(5),
    };

    /// <summary>
    /// Weights of a trained model's scale: linear weights N(0, gain²/fan_in) (queries and keys gain 1.5 so scores spread,
    /// the feed-forward input gain 2 so GELU sees its curved region), biases N(0, 0.1²), LayerNorm gains 1 + N(0, 0.2²)
    /// and shifts N(0, 0.3²), embeddings N(0, 1).
    /// </summary>
    static void Randomize(nn.Module module, Generator g)
    {
        using var _ = no_grad();
        foreach (var (name, p) in module.named_parameters())
        {
            Tensor value;
            if (name.Contains("LayerNorm") || name.Contains("norm"))
                value = name.EndsWith("weight") ? 1 + 0.2 * randn(p.shape, generator: g) : 0.3 * randn(p.shape, generator: g);
            else if (name.Contains("embeddings")) value = randn(p.shape, generator: g);
            else if (name.EndsWith("bias")) value = 0.1 * randn(p.shape, generator: g);
            else
            {
                double gain = name.Contains("query") || name.Contains("key") ? 1.5 : name.Contains("intermediate") ? 2.0 : 1.0;
                value = randn(p.shape, generator: g) * (gain / Math.Sqrt(p.shape[1]));
            }
            p.copy_(value);
        }
    }

    /// <summary>Hidden states of a residual stream: unit-scale tokens plus a per-feature offset, [B, T, H].</summary>
    static Tensor Hidden(long b, long t, long h, Generator g) => randn([b, t, h], generator: g) + 0.5 * randn([h], generator: g);

    /// <summary>Attention mask [B, T] with the last tokens of some rows padded (row r keeps T − 3r tokens, at least 2).</summary>
    static Tensor PaddingMask(long b, long t)
    {
        var m = ones(b, t, ScalarType.Int64);
        for (long r = 0; r < b; r++) m[r, TensorIndex.Slice(Math.Max(2, t - 3 * r))] = tensor(0L);
        return m;
    }

    /// <summary>HF's extended mask: 0 where attended, the float32 minimum at padding, [B, 1, 1, T].</summary>
    static Tensor Additive(Tensor mask) => (1.0f - mask.to_type(ScalarType.Float32)).mul(float.MinValue).unsqueeze(1).unsqueeze(1);

    static void AssertTensorsClose(Tensor expected, Tensor actual, string what, double abs = Abs, double rel = Rel)
    {
        Assert.Equal(expected.shape, actual.shape);
        AssertClose.All(expected.to_type(ScalarType.Float64).contiguous().data<double>().ToArray(),
            actual.to_type(ScalarType.Float64).contiguous().data<double>().ToArray(), abs, rel, what);
    }

    [Fact]
    [Trait("Speed", "Fast")]
    public void IntermediateGeluIsTheExactErfForm()
    {
        var g = new Generator(1);
        using var scope = NewDisposeScope();
        var c = Config();
        using var intermediate = new BertIntermediate(c, new ComputeSettings(), c.IntermediateSize);
        Randomize(intermediate, g);
        var x = Hidden(3, 7, c.HiddenSize, g);
        using var _ = no_grad();
        var h = nn.functional.linear(x, intermediate.Dense.Layer.weight!, intermediate.Dense.Layer.bias).to_type(ScalarType.Float64);
        Assert.True(h.abs().max().item<double>() > 3, "the pre-activations must reach GELU's curved region");
        var exact = 0.5 * h * (1 + special.erf(h / Math.Sqrt(2)));
        AssertTensorsClose(exact, intermediate.Forward(x), "gelu(x) = x·Φ(x)");
    }

    [Theory]
    [Trait("Speed", "Fast")]
    [InlineData("gelu_new")]
    [InlineData("gelu_pytorch_tanh")] // HF's other name for the same approximation
    public void IntermediateGeluNewIsTheTanhApproximation(string act)
    {
        var g = new Generator(2);
        using var scope = NewDisposeScope();
        var c = Config(act: act);
        using var intermediate = new BertIntermediate(c, new ComputeSettings(), c.IntermediateSize);
        Randomize(intermediate, g);
        var x = Hidden(3, 7, c.HiddenSize, g);
        using var _ = no_grad();
        var h = nn.functional.linear(x, intermediate.Dense.Layer.weight!, intermediate.Dense.Layer.bias).to_type(ScalarType.Float64);
        var approx = 0.5 * h * (1 + tanh(Math.Sqrt(2 / Math.PI) * (h + 0.044715 * h.pow(3))));
        AssertTensorsClose(approx, intermediate.Forward(x), "gelu_new(x)");
    }

    [Fact]
    [Trait("Speed", "Fast")]
    public void IntermediateReluIsTheMaximumWithZero()
    {
        var g = new Generator(4);
        using var scope = NewDisposeScope();
        var c = Config(act: "relu");
        using var intermediate = new BertIntermediate(c, new ComputeSettings(), c.IntermediateSize);
        Randomize(intermediate, g);
        var x = Hidden(3, 7, c.HiddenSize, g);
        using var _ = no_grad();
        var h = nn.functional.linear(x, intermediate.Dense.Layer.weight!, intermediate.Dense.Layer.bias).to_type(ScalarType.Float64);
        AssertTensorsClose(h.clamp_min(0), intermediate.Forward(x), "relu(x)");
    }

    [Theory]
    [Trait("Speed", "Fast")]
    [InlineData(1e-12)]
    [InlineData(0.5)] // an unusual epsilon shows that the config's is the one used
    public void ResidualOutputIsLayerNormOfDenseOutputPlusResidual(double eps)
    {
        var g = new Generator(3);
        using var scope = NewDisposeScope();
        var c = Config(eps);
        using var output = new BertResidualOutput(c.IntermediateSize, c, new ComputeSettings());
        Randomize(output, g);
        var x = 2 * randn([2, 5, c.IntermediateSize], generator: g);
        var residual = Hidden(2, 5, c.HiddenSize, g) * 3 + 4; // a residual stream far from zero mean and unit variance
        using var _ = no_grad();
        var actual = output.Forward(x, residual);

        var ln = output.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var v = nn.functional.linear(x, output.Dense.Layer.weight!, output.Dense.Layer.bias) + residual;
        var functional = nn.functional.layer_norm(v, [c.HiddenSize], ln["LayerNorm.weight"], ln["LayerNorm.bias"], eps);
        AssertTensorsClose(functional, actual, "libtorch layer_norm");

        // The definition in float64: (v − mean) / √(biased variance + ε) · γ + β.
        var v64 = v.to_type(ScalarType.Float64);
        var mean = v64.mean([-1], keepdim: true);
        var variance = (v64 - mean).pow(2).mean([-1], keepdim: true);
        var byDefinition = (v64 - mean) / (variance + eps).sqrt() * ln["LayerNorm.weight"].to_type(ScalarType.Float64) + ln["LayerNorm.bias"].to_type(ScalarType.Float64);
        AssertTensorsClose(byDefinition, actual, "layer norm by definition");
    }

    /// <summary>libtorch's MultiheadAttention with our query/key/value as its input projection and an identity output projection.</summary>
    static nn.Module<Tensor, Tensor, Tensor, Tensor?, bool, Tensor?, Tuple<Tensor, Tensor>> ReferenceAttention(BertSelfAttention self, BertConfig c)
    {
        var mha = nn.MultiheadAttention(c.HiddenSize, c.NumAttentionHeads);
        var p = mha.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        using var _ = no_grad();
        p["in_proj_weight"].copy_(cat([self.Query.Layer.weight!, self.Key.Layer.weight!, self.Value.Layer.weight!], 0));
        p["in_proj_bias"].copy_(cat([self.Query.Layer.bias!, self.Key.Layer.bias!, self.Value.Layer.bias!], 0));
        p["out_proj.weight"].copy_(eye(c.HiddenSize));
        p["out_proj.bias"].zero_();
        mha.eval();
        return mha;
    }

    [Theory]
    [Trait("Speed", "Fast")]
    [InlineData(false)]
    [InlineData(true)]
    public void SelfAttentionWithPaddingMatchesLibtorchMultiheadAttention(bool sdpa)
    {
        var g = new Generator(4);
        using var scope = NewDisposeScope();
        var c = Config();
        using var self = new BertSelfAttention(c, new ComputeSettings { UseSdpa = sdpa, FusedInference = sdpa }, c.HiddenSize);
        Randomize(self, g);
        self.eval();
        var x = Hidden(4, 11, c.HiddenSize, g);
        var mask = PaddingMask(4, 11);
        using var _ = no_grad();
        var actual = self.Forward(x, Additive(mask)); // [B, T, H]

        using var mha = ReferenceAttention(self, c);
        var xt = x.transpose(0, 1); // libtorch's MultiheadAttention takes [T, B, H]
        var (expected, weights) = mha.call(xt, xt, xt, mask.eq(0), true, null);
        AssertTensorsClose(expected.transpose(0, 1), actual, "attention context");

        // The inputs are such that the test means something: scores spread (not uniform attention) and padding changes the result.
        Assert.True(weights.max().item<float>() > 0.5, "attention is nearly uniform");
        var unmasked = self.Forward(x, zeros(4, 1, 1, 11));
        Assert.True((unmasked - actual).abs().max().item<float>() > 1e-2, "the mask changed nothing");
    }

    /// <summary>libtorch's post-LN TransformerEncoderLayer (exact GELU, ε = 1e-5) carrying the weights of our BERT layer.</summary>
    static nn.Module<Tensor, Tensor> ReferenceLayer(BertLayer layer, BertConfig c)
    {
        var reference = nn.TransformerEncoderLayer(c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize, 0.0, nn.Activations.GELU);
        var ours = layer.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        var p = reference.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        using var _ = no_grad();
        p["self_attn.in_proj_weight"].copy_(cat([ours["attention.self.query.weight"], ours["attention.self.key.weight"], ours["attention.self.value.weight"]], 0));
        p["self_attn.in_proj_bias"].copy_(cat([ours["attention.self.query.bias"], ours["attention.self.key.bias"], ours["attention.self.value.bias"]], 0));
        p["self_attn.out_proj.weight"].copy_(ours["attention.output.dense.weight"]);
        p["self_attn.out_proj.bias"].copy_(ours["attention.output.dense.bias"]);
        p["norm1.weight"].copy_(ours["attention.output.LayerNorm.weight"]);
        p["norm1.bias"].copy_(ours["attention.output.LayerNorm.bias"]);
        p["linear1.weight"].copy_(ours["intermediate.dense.weight"]);
        p["linear1.bias"].copy_(ours["intermediate.dense.bias"]);
        p["linear2.weight"].copy_(ours["output.dense.weight"]);
        p["linear2.bias"].copy_(ours["output.dense.bias"]);
        p["norm2.weight"].copy_(ours["output.LayerNorm.weight"]);
        p["norm2.bias"].copy_(ours["output.LayerNorm.bias"]);
        reference.eval();
        return reference;
    }

    [Theory]
    [Trait("Speed", "Fast")]
    [InlineData(false)]
    [InlineData(true)]
    public void BertLayerMatchesLibtorchTransformerEncoderLayer(bool sdpa)
    {
        var g = new Generator(5);
        using var scope = NewDisposeScope();
        var c = Config(eps: 1e-5); // libtorch's layer has LayerNorm's default ε
        using var layer = new BertLayer(c, new ComputeSettings { UseSdpa = sdpa, FusedInference = sdpa }, 0);
        Randomize(layer, g);
        layer.eval();
        var x = Hidden(4, 9, c.HiddenSize, g);
        var mask = PaddingMask(4, 9);
        using var _ = no_grad();
        var actual = layer.Forward(x, Additive(mask));

        var reference = (TorchSharp.Modules.TransformerEncoderLayer)ReferenceLayer(layer, c);
        var expected = reference.call(x.transpose(0, 1), null!, mask.eq(0)).transpose(0, 1);
        AssertTensorsClose(expected, actual, "BERT layer output", abs: 3e-5, rel: 3e-5);
    }

    /// <summary>Rows of an embedding table for ids [B, T] → [B, T, H].</summary>
    static Tensor Lookup(Tensor ids, Tensor table) => table.index_select(0, ids.reshape(-1)).reshape(ids.shape[0], ids.shape[1], -1);

    [Theory]
    [Trait("Speed", "Fast")]
    [InlineData(false)]
    [InlineData(true)]
    public void WholeClassifierMatchesAReferenceBuiltFromLibtorchModules(bool sdpa)
    {
        var g = new Generator(6);
        using var scope = NewDisposeScope();
        var c = Config(eps: 1e-5);
        using var model = new BertForSequenceClassification(c, new ComputeSettings { UseSdpa = sdpa, FusedInference = sdpa });
        Randomize(model, g);
        model.eval();
        long b = 4, t = 13;
        var ids = randint(1, c.VocabSize, [b, t], generator: g);
        var mask = PaddingMask(b, t);
        ids = ids * mask; // padding positions hold [PAD] = 0
        var types = cat([zeros(b, 6, ScalarType.Int64), ones(b, t - 6, ScalarType.Int64)], 1) * mask;
        using var _ = no_grad();
        var (logits, hidden) = model.ForwardWithHidden(ids, mask, types);

        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        var positions = arange(t).unsqueeze(0);
        var e = Lookup(ids, p["bert.embeddings.word_embeddings.weight"])
              + Lookup(positions, p["bert.embeddings.position_embeddings.weight"])
              + Lookup(types, p["bert.embeddings.token_type_embeddings.weight"]);
        var h = nn.functional.layer_norm(e, [c.HiddenSize], p["bert.embeddings.LayerNorm.weight"], p["bert.embeddings.LayerNorm.bias"], c.LayerNormEps);
        var padding = mask.eq(0);
        foreach (var layer in model.Bert.Layers)
        {
            var reference = (TorchSharp.Modules.TransformerEncoderLayer)ReferenceLayer(layer, c);
            h = reference.call(h.transpose(0, 1), null!, padding).transpose(0, 1);
        }
        var pooled = tanh(nn.functional.linear(h.select(1, 0), p["bert.pooler.dense.weight"], p["bert.pooler.dense.bias"]));
        var expected = nn.functional.linear(pooled, p["classifier.weight"], p["classifier.bias"]);

        // Only attended positions: libtorch's layer may treat fully padded query rows differently, and nothing reads them.
        var keep = mask.to_type(ScalarType.Bool).unsqueeze(-1).expand_as(h);
        AssertTensorsClose(h.masked_select(keep), hidden.masked_select(keep), "last hidden state", abs: 1e-4, rel: 1e-4);
        AssertTensorsClose(expected, logits, "logits", abs: 1e-4, rel: 1e-4);
        Assert.True(expected.std().item<float>() > 0.1, "the logits must differ between rows and labels");
    }
}
