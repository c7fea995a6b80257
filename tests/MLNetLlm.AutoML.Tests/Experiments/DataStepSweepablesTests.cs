using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Tests.Experiments;

public sealed class DataStepSweepablesTests
{
    [Fact]
    public void DeduplicationIsATrainingRowStepSearchedOverTheDataOptions()
    {
        var ml = new MLContext(1);
        var dedup = ml.Llm().Auto().Deduplicate("Text");
        Assert.True(dedup.IsTrainingRowStep);
        Assert.Equal(["JaccardThreshold", "NumPermutations", "ShingleSize", "Shingles"], dedup.SearchSpace.Keys.ToArray());
        var texts = new[] { "cheap watches for sale now", "cheap watches for sale now", "meeting moved to friday", "cheap watches for sale now" };
        var data = InMemoryDataView.FromColumns(
            ("Text", TextDataViewType.Instance, texts.Select(t => t.AsMemory()).ToArray()),
            ("Label", BooleanDataViewType.Instance, new[] { true, true, false, true }));
        var deduped = (InMemoryDataView)dedup.ApplyToTrainingData(ml, dedup.SearchSpace.Default, data);
        Assert.Equal(["cheap watches for sale now", "meeting moved to friday"], deduped.GetTextColumn("Text"));
        // as a pipeline stage it changes the training rows only: the model still scores all four rows
        var pipeline = new SweepablePipeline().Append(dedup).Append(ml.Transforms.Text.FeaturizeText("Features", "Text"), "featurize");
        var p = pipeline.SearchSpace.Default;
        var model = pipeline.Fit(ml, p, data);
        Assert.Equal(4, model.Transform(data).GetColumn<VBuffer<float>>("Features").Count());
    }

    [Fact]
    public void NormalizationSwitchesAreSearchedAndReachTheNormalizer()
    {
        var ml = new MLContext(1);
        var normalize = ml.Llm().Auto().NormalizeText("Clean", "Text");
        Assert.Equal(7, normalize.SearchSpace.FeatureSpaceDim);
        var caseFoldOn = Parameter.FromObject([KeyValuePair.Create("CaseFolding", Parameter.FromBool(true))]);
        var caseFoldOff = Parameter.FromObject([KeyValuePair.Create("CaseFolding", Parameter.FromBool(false))]);
        var data = InMemoryDataView.FromColumns(("Text", TextDataViewType.Instance, new[] { "Hello WORLD".AsMemory() }));
        string Clean(Parameter p) => normalize.BuildEstimator(ml, p)!.Fit(data).Transform(data).GetColumn<ReadOnlyMemory<char>>("Clean").Single().ToString();
        Assert.Equal("hello world", Clean(caseFoldOn));
        Assert.Equal("Hello WORLD", Clean(caseFoldOff));
    }
}

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
        Assert.Equal(1e-5, p["LearningRate"].AsDouble(), 9);
        Assert.Equal(1, p["NumberOfEpochs"].AsInt64());
        Assert.Equal(4, p["BatchSize"].AsInt64());
    }
}
