using Microsoft.ML;
using MLNetLlm.AutoML.Torch;

namespace MLNetLlm.AutoML.Torch.Tests.Experiments;

public sealed class TransformerSweepableTests
{
    [Fact]
    public void FineTuningIsSearchedOverTheTorchOptionsAttributesAndKeepsFixedOptions()
    {
        var ml = new MLContext(1);
        var tc = ml.Llm().Auto().TextClassification("Label", "Body", o => { o.PretrainedModelPath = "/models/bert"; o.ValidationFraction = 0.1; });
        Assert.Equal(["BatchSize", "LearningRate", "LoraAlpha", "LoraDropout", "LoraRank", "MaxLength", "Mode", "NumberOfEpochs",
            "PromptTokens", "WarmupFraction", "WeightDecay"], tc.SearchSpace.Keys.ToArray());
        var p = tc.SearchSpace.SampleFromFeatureSpace(Enumerable.Repeat(0.0, tc.SearchSpace.FeatureSpaceDim).ToArray());
        var trainer = Assert.IsType<MLNetLlm.Torch.Trainers.TextClassificationTrainer>(tc.BuildEstimator(ml, p));
        Assert.NotNull(trainer);
        AssertClose.Equal(1e-5, p["LearningRate"].AsDouble(), abs: 1e-9);
        Assert.Equal(1, p["NumberOfEpochs"].AsInt64());
        Assert.Equal(4, p["BatchSize"].AsInt64());
    }
}
