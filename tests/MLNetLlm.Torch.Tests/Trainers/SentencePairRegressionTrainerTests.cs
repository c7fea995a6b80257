using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Trainers;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Trainers;

public sealed class SentencePairRegressionTrainerTests : TempDirectoryTest
{

    sealed class Prediction { public float Score { get; set; } }

    [Trait("Speed", "Slow")]
    [Fact]
    public void LearnsAPairScoreAndSavesForHuggingFace()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.SpacePairs(64);
        var data = TestData.Load(ml, rows);
        var o = TestData.Tiny(new SentencePairRegressionTrainer.Options());
        o.BatchSize = 4;
        o.MaxLength = 40;
        var model = ml.Llm().SentencePairRegression(o).Fit(data);
        var metrics = ml.Regression.Evaluate(model.Transform(data));
        Assert.True(metrics.RSquared > 0.7, $"R² {metrics.RSquared}");

        var engine = ml.Model.CreatePredictionEngine<PairRow, Prediction>(model);
        var batch = model.Transform(data).GetColumn<float>("Score").ToArray();
        AssertClose.Equal(batch[3], engine.Predict(rows[3]).Score, abs: 1e-5, rel: 1e-5);

        string hf = PathOf("hf");
        model.SaveHuggingFace(hf);
        var (reloaded, tok, report) = HuggingFaceCheckpoint.Load(hf, CPU);
        Assert.Empty(report.NewlyInitialized);
        Assert.Equal("regression", reloaded.Config.ProblemType);
        Assert.Equal(1, reloaded.Config.NumLabels);
        reloaded.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var enc = tok.Encode([rows[3].Sentence1], [rows[3].Sentence2], 40).ToTensors();
        AssertClose.Equal(batch[3], reloaded.Forward(enc.InputIds, enc.AttentionMask, enc.TokenTypeIds).item<float>(), abs: 1e-5, rel: 1e-5);
        Assert.True(File.Exists(Path.Combine(hf, "vocab.txt")));
    }
}
