using MLNetLlm.Explanations;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Explanations;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Training;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Explanations;

/// <summary>
/// Integrated gradients on the tiny HF fixture (shapes, labels and lengths from the fixture): completeness — the
/// attributions sum to f(x) − f(baseline) within 5% — for the fixture's head, a sharpened head (logit gaps of order
/// one, where the path is far from linear), a new binary head, and both baselines.
/// </summary>
public sealed class IntegratedGradientsTests
{
    static int MaxLength => HfFixture.MaxLength;

    static (BertForSequenceClassification Model, BertTextTokenizer Tokenizer) Load(IReadOnlyList<string>? labels = null, double headScale = 1)
    {
        var (model, tokenizer, _) = HuggingFaceCheckpoint.Load(HfFixture.Dir, CPU, labels: labels, allowNewHead: labels != null, generator: new TorchSharp.torch.Generator(7));
        if (headScale != 1)
            using (no_grad())
            {
                model.Classifier.weight!.mul_(headScale);
                model.Bert.Embeddings.WordEmbeddings.weight!.mul_(headScale / 10); // larger inputs: LayerNorm and GELU far from linear
            }
        model.eval();
        return (model, tokenizer);
    }

    static Explanation Explain(BertForSequenceClassification model, BertTextTokenizer tokenizer, TextTask task, string text, IntegratedGradientsOptions options) =>
        IntegratedGradients.Explain(model, tokenizer, task, MaxLength, CPU, model.Config.Labels, text, null, options);

    static void Complete(Explanation e, double rel)
    {
        double delta = e.Output - e.Reference;
        double sum = e.Features.Sum(f => f.Weight);
        Assert.True(Math.Abs(delta) > 1e-6, $"f(x) − f(baseline) = {delta:g4} is too small to test");
        AssertClose.Equal(delta, sum, rel: rel, what: $"Σ attributions vs f(x) − f(x′) = {e.Output:g6} − {e.Reference:g6} ({e.Target})");
        AssertClose.Equal(sum, e.Tokens!.Sum(t => t.Weight), abs: 1e-9, rel: 1e-9, what: "words sum like their tokens");
    }

    [Theory]
    [InlineData(1.0, IntegratedGradientsBaseline.Pad)]
    [InlineData(1.0, IntegratedGradientsBaseline.Zero)]
    [InlineData(200.0, IntegratedGradientsBaseline.Pad)]
    [InlineData(200.0, IntegratedGradientsBaseline.Zero)]
    public void AttributionsSumToTheScoreDifferenceForEveryClass(double headScale, IntegratedGradientsBaseline baseline)
    {
        var (model, tokenizer) = Load(headScale: headScale);
        using (model)
            foreach (string sentence in HfFixture.Sentences)
                for (int c = 0; c < model.Config.NumLabels; c++)
                {
                    var e = Explain(model, tokenizer, TextTask.Multiclass, sentence, new IntegratedGradientsOptions { Baseline = baseline, TargetClass = c, Steps = 64 });
                    Assert.Equal(model.Config.Labels[c], e.Target);
                    Complete(e, rel: 0.05);
                }
    }

    [Fact]
    public void ABinaryModelExplainsItsScore()
    {
        var (model, tokenizer) = Load(labels: ["no", "yes"], headScale: 200);
        using (model)
        {
            string sentence = HfFixture.Sentences[0];
            var e = Explain(model, tokenizer, TextTask.Binary, sentence, new IntegratedGradientsOptions());
            Assert.Equal("score", e.Target);
            Complete(e, rel: 0.05);
            // The explained output is the score the model gives from token ids (logit₁ − logit₀).
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var batch = tokenizer.Encode([sentence], null, MaxLength).ToTensors();
            var logits = model.Forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds).data<float>().ToArray();
            AssertClose.Equal(logits[1] - logits[0], e.Output, abs: 1e-5, rel: 1e-5);
        }
    }

    [Fact]
    public void SpecialTokensKeepTheirEmbeddingAndGetNothing()
    {
        var (model, tokenizer) = Load(headScale: 200);
        using (model)
        {
            var e = Explain(model, tokenizer, TextTask.Multiclass, HfFixture.Sentences[0], new IntegratedGradientsOptions());
            var ids = tokenizer.Encode([HfFixture.Sentences[0]], null, MaxLength).Row(0);
            Assert.Equal(ids.Length, e.Tokens!.Count);
            Assert.Equal("[CLS]", e.Tokens[0].Name);
            Assert.Equal("[SEP]", e.Tokens[^1].Name);
            Assert.Equal(0.0, e.Tokens[0].Weight);
            Assert.Equal(0.0, e.Tokens[^1].Weight);
            Assert.DoesNotContain(e.Features, f => f.Name is "[CLS]" or "[SEP]");
            Assert.Contains(e.Features, f => f.Weight != 0);
        }
    }

    [Fact]
    public void FewerStepsAreLessComplete()
    {
        // The integration error shrinks with m: a single trapezoid is worse than 64 intervals on the sharpened model.
        var (model, tokenizer) = Load(headScale: 200);
        using (model)
        {
            double Error(int steps)
            {
                double worst = 0;
                foreach (string s in HfFixture.Sentences)
                {
                    var e = Explain(model, tokenizer, TextTask.Multiclass, s, new IntegratedGradientsOptions { Steps = steps, TargetClass = 0 });
                    worst = Math.Max(worst, Math.Abs(e.Features.Sum(f => f.Weight) - (e.Output - e.Reference)) / Math.Abs(e.Output - e.Reference));
                }
                return worst;
            }
            Assert.True(Error(1) > Error(64), $"1 step: {Error(1):g3}, 64 steps: {Error(64):g3}");
        }
    }
}
