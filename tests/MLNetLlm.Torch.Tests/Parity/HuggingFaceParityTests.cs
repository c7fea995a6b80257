using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Parity;

/// <summary>Parity with HF transformers' outputs recorded in the fixture's reference.json (any HF BERT with that layout).</summary>
public sealed class HuggingFaceParityTests
{
    const float Tol = 1e-4f;

    static void AssertClose(float[][] expected, float[] actual, int cols, string what)
    {
        Assert.Equal(expected.Length * cols, actual.Length);
        for (int r = 0; r < expected.Length; r++)
            for (int c = 0; c < cols; c++)
                Assert.True(Math.Abs(expected[r][c] - actual[r * cols + c]) <= Tol,
                    $"{what}[{r},{c}]: expected {expected[r][c]}, got {actual[r * cols + c]}");
    }

    static Tensor Matrix(string key)
    {
        var rows = HfFixture.Longs(key);
        return tensor(rows.SelectMany(x => x).ToArray()).reshape(rows.Length, -1);
    }

    static (BertForSequenceClassification Model, MLNetLlm.Torch.Tokenization.BertTextTokenizer Tok) Load(bool sdpa = false)
    {
        var (model, tok, report) = HuggingFaceCheckpoint.Load(HfFixture.Dir, CPU, new ComputeSettings { UseSdpa = sdpa, FusedInference = sdpa });
        Assert.Empty(report.NewlyInitialized);
        model.eval();
        return (model, tok);
    }

    [Fact]
    public void TokenIdsMatchSingleSentences()
    {
        var (_, tok) = Load();
        int maxLength = HfFixture.Reference["max_length"]!.GetValue<int>();
        var batch = tok.Encode(HfFixture.Sentences, null, maxLength, padToMaxLength: true);
        Assert.Equal(HfFixture.Longs("input_ids").SelectMany(x => x), batch.InputIds);
        Assert.Equal(HfFixture.Longs("attention_mask").SelectMany(x => x), batch.AttentionMask);
        Assert.Equal(HfFixture.Longs("token_type_ids").SelectMany(x => x), batch.TokenTypeIds);
    }

    [Fact]
    public void TokenIdsMatchPairs()
    {
        var (_, tok) = Load();
        var pairs = HfFixture.Pairs;
        var batch = tok.Encode(pairs.Select(p => p.A).ToList(), pairs.Select(p => p.B).ToList(), 512);
        Assert.Equal(HfFixture.Longs("pair_input_ids").SelectMany(x => x), batch.InputIds);
        Assert.Equal(HfFixture.Longs("pair_token_type_ids").SelectMany(x => x), batch.TokenTypeIds);
        Assert.Equal(HfFixture.Longs("pair_attention_mask").SelectMany(x => x), batch.AttentionMask);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LogitsAndClsHiddenStatesMatch(bool sdpa)
    {
        var (model, _) = Load(sdpa);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (ids, mask, types) = (Matrix("input_ids"), Matrix("attention_mask"), Matrix("token_type_ids"));
        var (logits, hidden) = model.ForwardWithHidden(ids, mask, types);
        int labels = model.Config.NumLabels, h = model.Config.HiddenSize;
        AssertClose(HfFixture.Floats(HfFixture.Reference["logits"]!), logits.data<float>().ToArray(), labels, "logits");
        AssertClose(HfFixture.Floats(HfFixture.Reference["last_hidden_state_cls"]!), hidden.select(1, 0).contiguous().data<float>().ToArray(), h, "cls");
    }

    [Fact]
    public void EveryHiddenStateIsReturnedAndTheLastIsTheSequenceOutput()
    {
        var (model, _) = Load();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (ids, mask, types) = (Matrix("input_ids"), Matrix("attention_mask"), Matrix("token_type_ids"));
        var (logits, sequence) = model.ForwardWithHidden(ids, mask, types);
        var (logits2, states) = model.ForwardWithHiddenStates(ids, mask, types);
        Assert.Equal(model.Config.NumHiddenLayers + 1, states.Count);
        Assert.All(states, s => Assert.Equal(sequence.shape, s.shape));
        Assert.True(states[^1].eq(sequence).all().item<bool>());
        Assert.True(logits2.eq(logits).all().item<bool>());
        // State 0 is the embedding output, so it differs from every layer's output.
        Assert.False(states[0].allclose(states[1]));
        AssertClose(HfFixture.Floats(HfFixture.Reference["last_hidden_state_cls"]!), states[^1].select(1, 0).contiguous().data<float>().ToArray(),
            model.Config.HiddenSize, "cls");
    }

    [Fact]
    public void ExplicitBFloat16MixedPrecisionStaysCloseAndKeepsFloat32Weights()
    {
        // The GPU path (bf16 products + SDPA) runs on the CPU too; bf16 has ~3 significant digits.
        var (model, _) = Load(sdpa: true);
        model.Compute.LowPrecision = ScalarType.BFloat16;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logits = model.Forward(Matrix("input_ids"), Matrix("attention_mask"), Matrix("token_type_ids"));
        Assert.Equal(ScalarType.Float32, logits.dtype);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        var expected = HfFixture.Floats(HfFixture.Reference["logits"]!).SelectMany(r => r).ToArray();
        var actual = logits.data<float>().ToArray();
        MLNetLlm.Tests.AssertClose.All(expected, actual, abs: 2e-2, rel: 3e-2, what: "bf16 logits"); // a relative part for checkpoints with larger logits
    }

    [Fact]
    public void PairLogitsMatch()
    {
        var (model, tok) = Load();
        var pairs = HfFixture.Pairs;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (ids, mask, types) = tok.Encode(pairs.Select(p => p.A).ToList(), pairs.Select(p => p.B).ToList(), 512).ToTensors();
        var logits = model.Forward(ids, mask, types);
        AssertClose(HfFixture.Floats(HfFixture.Reference["pair_logits"]!), logits.data<float>().ToArray(), model.Config.NumLabels, "pair_logits");
    }

    [Fact]
    public void OneAdamWStepReproducesLossGradNormAndLogits()
    {
        var (model, _) = Load();
        var step = HfFixture.Reference["train_step"]!;
        var labels = step["labels"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
        using var scope = NewDisposeScope();
        var (ids, mask, types) = (Matrix("input_ids"), Matrix("attention_mask"), Matrix("token_type_ids"));
        model.train(); // dropout is 0 in the fixture config, as in the reference step
        using var opt = new AdamW(model.named_parameters(), weightDecay: 0.01);
        var loss = nn.functional.cross_entropy(model.Forward(ids, mask, types), tensor(labels));
        Assert.True(Math.Abs(step["loss"]!.GetValue<double>() - loss.item<float>()) <= Tol, $"loss {loss.item<float>()}");
        loss.backward();
        double norm = opt.ClipGradNorm(0);
        Assert.True(Math.Abs(step["grad_global_norm"]!.GetValue<double>() - norm) <= Tol, $"grad norm {norm}");
        opt.Step(1e-3);
        model.eval();
        using var _ = no_grad();
        var after = model.Forward(ids, mask, types);
        AssertClose(HfFixture.Floats(step["logits_after"]!), after.data<float>().ToArray(), model.Config.NumLabels, "logits_after");
    }
}
