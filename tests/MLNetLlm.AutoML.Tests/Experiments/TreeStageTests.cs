using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tests.Experiments;

/// <summary>The tree trainers' stages with and without their own feature selection.</summary>
public sealed class TreeStageTests
{
    [Fact]
    public void TheFeatureBudgetIsSearchedOnlyWhenTheStageSelectsFeatures()
    {
        var auto = new MLContext(0).Llm().Auto();
        Assert.DoesNotContain("MaximumFeatures", auto.LightGbmBinary().SearchSpace.Keys);
        Assert.DoesNotContain("MaximumFeatures", auto.FastTreeBinary().SearchSpace.Keys);
        Assert.Contains("MaximumFeatures", auto.LightGbmBinary(selectFeatures: true).SearchSpace.Keys);
        Assert.Contains("MaximumFeatures", auto.FastTreeRegression(selectFeatures: true).SearchSpace.Keys);
        Assert.Equal(new SearchSpace<DefaultSpaces.LightGbmSearchOptions>().Count - 1, auto.LightGbmBinary().SearchSpace.Count);
    }

    [Trait("Speed", "Slow")]
    [Theory]
    [InlineData("lightgbm")]
    [InlineData("fasttree")]
    public void ASelectingStageTrainsOnAtMostMaximumFeaturesAndTheModelScoresNewRows(string trainer)
    {
        var ml = new MLContext(3);
        var auto = ml.Llm().Auto();
        var stage = trainer == "lightgbm" ? auto.LightGbmBinary(numberOfThreads: 1, selectFeatures: true) : auto.FastTreeBinary(numberOfThreads: 1, selectFeatures: true);
        var options = stage.SearchSpace.Default.Children.ToDictionary(c => c.Key, c => c.Value);
        options["MaximumFeatures"] = Parameter.FromInt(100);
        options[trainer == "lightgbm" ? "NumberOfIterations" : "NumberOfTrees"] = Parameter.FromInt(10);
        var train = TextData.Make(300, seed: 1);
        var featurizer = ml.Transforms.Text.FeaturizeText("Features", "Text");
        int all = featurizer.Fit(train).GetOutputSchema(train.Schema)["Features"].Type is VectorDataViewType v ? v.Size : 0;
        Assert.True(all > 100, $"the featurizer makes {all} slots");
        var model = featurizer.Append(stage.BuildEstimator(ml, Parameter.FromObject(options))!).Fit(train);
        var scored = model.Transform(TextData.Make(100, seed: 2));
        Assert.InRange(scored.Schema["Features"].Type is VectorDataViewType w ? w.Size : 0, 1, 100);
        var metrics = ml.BinaryClassification.EvaluateNonCalibrated(scored);
        Assert.True(metrics.Accuracy > 0.7, $"accuracy {metrics.Accuracy}");
    }
}
