using MLNetLlm.Benchmarks.Torch;
using MLNetLlm.Torch.Models;

namespace MLNetLlm.Benchmarks.Tests.Torch;

public sealed class TorchBenchmarkTests
{
    [Theory]
    [InlineData(2, 64, 4, 128, 2, 128)]
    [InlineData(3, 96, 4, 200, 5, 37)]
    public void ForwardFlopsCountTwoPerMultiplyAccumulateOfEveryRealWeightMatrix(int layers, int hidden, int heads, int ffn, int labels, int seq)
    {
        var config = new BertConfig { VocabSize = 500, HiddenSize = hidden, NumHiddenLayers = layers, NumAttentionHeads = heads, IntermediateSize = ffn, Labels = BertConfig.DefaultLabels(labels) };
        using var model = new BertForSequenceClassification(config);
        // weights of the model's matrix products, counted from the module itself (embedding tables and LayerNorm excluded)
        long encoder = 0, head = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            if (p.dim() != 2 || name.Contains("embeddings", StringComparison.Ordinal)) continue;
            if (name.Contains(".encoder.", StringComparison.Ordinal)) encoder += p.numel();
            else head += p.numel();
        }
        double expected = 2.0 * seq * encoder + 2.0 * head + layers * 4.0 * seq * seq * hidden;
        AssertClose.Equal(expected, TorchBenchmark.ForwardFlopsPerSample(config, seq), rel: 1e-12);
    }

    [Fact]
    public void BertBaseAtSequence128IsAboutTwentyTwoGigaFlopsPerForward()
    {
        // 85M encoder weights × 2 × 128 tokens ≈ 21.7 GFLOPs, attention adds ≈ 0.6 GFLOPs
        double f = TorchBenchmark.ForwardFlopsPerSample(TorchBenchmark.Base, 128);
        Assert.InRange(f, 22.0e9, 22.6e9);
    }

    [Fact]
    public void ATrainStepReportsThroughputAndTheFlopsBehindIt()
    {
        var r = TorchBenchmark.TrainStep("tiny", TorchBenchmark.Tiny, 4, 16, "cpu", BenchmarkPrecision.Float32, 1, 2);
        Assert.Equal("train", r.Kind);
        Assert.True(r.SamplesPerSecond > 0);
        AssertClose.Equal(3 * TorchBenchmark.ForwardFlopsPerSample(TorchBenchmark.Tiny, 16), r.FlopsPerSample, rel: 1e-12);
        AssertClose.Equal(r.FlopsPerSample * r.SamplesPerSecond / 1e12, r.TeraFlopsPerSecond, rel: 1e-12);
        AssertClose.Equal(r.TeraFlopsPerSecond / 10, r.Mfu(10), rel: 1e-12);
        Assert.True(double.IsNaN(r.Mfu(0)));
    }
}
