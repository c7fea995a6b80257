using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.Torch.Embeddings;
using MLNetLlm.Torch.Tests;

namespace MLNetLlm.AutoML.Torch.Tests.Experiments;

/// <summary><c>auto.SentenceEmbedding()</c>: a searched alternative to FeaturizeText in front of ML.NET trainers.</summary>
public sealed class SentenceEmbeddingStageTests
{
    [Fact]
    public void TheStageSearchesNormalisationAndLengthCappedByTheCheckpoint()
    {
        var ml = new MLContext(1);
        var stage = ml.Llm().Auto().SentenceEmbedding(configure: o => { o.PretrainedModel = HfFixture.Dir; o.Device = "cpu"; o.NumberOfThreads = 1; });
        Assert.Equal(["MaxLength", "Normalize"], stage.SearchSpace.Keys.Order().ToArray());
        int positions = HfFixture.Reference["config"]!["max_position_embeddings"]!.GetValue<int>();
        var pipeline = new SweepablePipeline().Append(stage);
        // the top of the feature space: the longest length and normalisation on
        var top = pipeline.SearchSpace.SampleFromFeatureSpace([0.99, 0.99]);
        using var model = (SentenceEmbeddingTransformer)Assert.Single(Flatten(pipeline.Fit(ml, top, TextData.Make(4, 1))));
        Assert.Equal(Math.Min(256, positions), model.MaxLength);
    }

    [Fact]
    public async Task AnExperimentPicksBetweenNgramsAndEmbeddingsInFrontOfSdca()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        var pipeline = new SweepablePipeline()
            .Append(auto.FeaturizeText(), auto.SentenceEmbedding(configure: o => { o.PretrainedModel = HfFixture.Dir; o.Device = "cpu"; o.NumberOfThreads = 1; o.BatchSize = 16; }))
            // SDCA at its class defaults (10 passes): ML.NET's own defaults can take minutes to converge on dense vectors
            .Append(auto.SdcaLogisticRegression(numberOfThreads: 1, searchSpace: new MLNetLlm.AutoML.SearchSpaces.SearchSpace()));
        var train = TextData.Make(60, 1);
        var valid = TextData.Make(30, 2);
        var result = await auto.CreateExperiment()
            .SetPipeline(pipeline)
            .SetDataset(train, valid)
            .SetBinaryClassificationMetric(BinaryClassificationMetric.Accuracy)
            .SetMaxTrials(8)
            .SetRandomSearchTuner(seed: 3)
            .RunAsync();

        Assert.All(result.Trials, t => Assert.True(t.Status == TrialStatus.Completed, $"{t.Pipeline}: {t.Status} {t.Error}"));
        var embedded = result.Trials.Where(t => t.Pipeline == "sentence_embedding ⇒ sdca").ToList();
        Assert.NotEmpty(embedded);
        Assert.Contains(result.Trials, t => t.Pipeline == "featurize_text ⇒ sdca");
        Assert.All(result.Trials, t => Assert.InRange(t.Metric, 0, 1));

        Assert.Contains(embedded, t => t.TrialSettings.Parameter["featurize_text|sentence_embedding"]["sentence_embedding"]["Normalize"].AsBool());
        Assert.Contains(embedded, t => !t.TrialSettings.Parameter["featurize_text|sentence_embedding"]["sentence_embedding"]["Normalize"].AsBool());

        // an embedding trial's pipeline is the encoder then SDCA, and it scores rows it has not seen
        var model = pipeline.Fit(ml, embedded[0].TrialSettings.Parameter, train);
        Assert.Contains(Flatten(model), t => t is SentenceEmbeddingTransformer);
        var scored = model.Transform(valid);
        Assert.Equal(30, scored.GetColumn<bool>("PredictedLabel").Count());
    }

    static IEnumerable<ITransformer> Flatten(ITransformer t) =>
        t is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [t];
}
