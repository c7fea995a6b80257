using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.Data;
using MLNetLlm.DataViews;
using MLNetLlm.Torch.Compression;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Tests;

namespace MLNetLlm.AutoML.Torch.Tests.Experiments;

public sealed class CompressionStageTests
{
    sealed class Suffix
    {
        [Choice("x", "y")] public string Value { get; set; } = "x";
    }

    static InMemoryDataView Letters() => InMemoryDataView.FromColumns(("A", TextDataViewType.Instance, new[] { "a".AsMemory(), "b".AsMemory() }));

    [Fact]
    public void AWrapperStageReplacesTheEstimatorOfTheStageBeforeIt()
    {
        var ml = new MLContext(1);
        // the wrapper gets the copy estimator and fits it followed by one more copy named after its parameter
        var wrapper = SweepableEstimator.CreateWrapper<Suffix>("wrap", (ctx, o, inner) => inner.Append(ctx.Transforms.CopyColumns("C" + o.Value, "B")));
        Assert.True(wrapper.IsWrapper);
        var pipeline = new SweepablePipeline()
            .Append(SweepableEstimator.Fixed("copy", ctx => ctx.Transforms.CopyColumns("B", "A")))
            .Append(SweepableEstimator.Skip(), wrapper);
        var space = pipeline.SearchSpace;
        var wrapped = space.SampleFromFeatureSpace([0.9, 0.9]);
        Assert.Equal("copy ⇒ wrap", pipeline.Describe(wrapped));
        var schema = pipeline.Fit(ml, wrapped, Letters()).GetOutputSchema(Letters().Schema);
        Assert.NotNull(schema.GetColumnOrNull("B"));
        Assert.NotNull(schema.GetColumnOrNull("C" + wrapped["none|wrap"]["wrap"]["Value"].AsString()));

        var plain = space.SampleFromFeatureSpace([0.1, 0.1]);
        Assert.Equal("copy ⇒ none", pipeline.Describe(plain));
        schema = pipeline.Fit(ml, plain, Letters()).GetOutputSchema(Letters().Schema);
        Assert.NotNull(schema.GetColumnOrNull("B"));
        Assert.Null(schema.GetColumnOrNull("Cx"));
        Assert.Null(schema.GetColumnOrNull("Cy"));
    }

    [Fact]
    public void AWrapperWithNothingBeforeItIsAClearError()
    {
        var ml = new MLContext(1);
        var wrapper = SweepableEstimator.CreateWrapper<Suffix>("wrap", (ctx, o, inner) => inner);
        var afterSkip = new SweepablePipeline()
            .Append(SweepableEstimator.Fixed("copy", ctx => ctx.Transforms.CopyColumns("B", "A")))
            .Append(SweepableEstimator.Skip("off"), SweepableEstimator.Fixed("copy2", ctx => ctx.Transforms.CopyColumns("D", "A")))
            .Append(wrapper);
        var p = afterSkip.SearchSpace.SampleFromFeatureSpace([0.1, 0.1]);
        Assert.Equal("copy ⇒ off ⇒ wrap", afterSkip.Describe(p));
        var e = Assert.Throws<InvalidOperationException>(() => afterSkip.Fit(ml, p, Letters()));
        Assert.Contains("Stage 'wrap' wraps the estimator of the stage before it, but stage 'off' adds none", e.Message);

        var first = new SweepablePipeline().Append(wrapper);
        Assert.Contains("it is the first stage", Assert.Throws<InvalidOperationException>(() => first.Fit(ml, first.SearchSpace.Default, Letters())).Message);
        Assert.Throws<InvalidOperationException>(() => SweepableEstimator.Fixed("copy", ctx => ctx.Transforms.CopyColumns("B", "A")).Wrap(ml, new SearchSpace().Default, ml.Transforms.CopyColumns("B", "A")));
    }

    [Fact]
    public void CompressionAlternativesCarryTheTorchOptionsDefaultSpaces()
    {
        var auto = new MLContext(1).Llm().Auto();
        var alternatives = auto.Compression();
        Assert.Equal(["none", "quantize", "prune", "distill"], alternatives.Select(a => a.Name).ToArray());
        Assert.All(alternatives.Skip(1), a => Assert.True(a.IsWrapper));
        Assert.Equal(["Mode"], alternatives[1].SearchSpace.Keys.ToArray());
        Assert.Equal(["FeedForwardFraction", "HeadFraction", "Quantization", "RecoveryEpochs", "Scope", "Sparsity"], alternatives[2].SearchSpace.Keys.Order().ToArray());
        Assert.Equal(["Alpha", "HiddenStateWeight", "LearningRate", "Quantization", "StudentLayers", "Temperature"], alternatives[3].SearchSpace.Keys.Order().ToArray());
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public async Task AnExperimentOverFineTuningThenCompressionRunsEachCompressionAndRefitsACompressedModel()
    {
        var ml = new MLContext(1);
        var auto = ml.Llm().Auto();
        // a tiny BERT fine-tuned briefly; every compression step with small fixed settings, so the grid over the
        // one-of stage visits exactly quantize, prune and distill
        var pipeline = new SweepablePipeline()
            .Append(ml.Llm().NormalizeText("Text"), "normalize")
            .Append(auto.TextClassification(configure: o =>
            {
                o.PretrainedModelPath = HfFixture.Dir; o.Device = "cpu"; o.NumberOfEpochs = 2; o.BatchSize = 8; o.MaxLength = 16; o.LearningRate = 3e-3;
            }, searchSpace: new SearchSpace()))
            .Append(
                auto.Quantize(configure: o => { o.Mode = QuantizationMode.DynamicInt8; o.Threads = 1; }, searchSpace: new SearchSpace()),
                auto.Prune(configure: o => { o.Device = "cpu"; o.Threads = 1; o.Sparsity = 0.3; o.RecoveryEpochs = 1; o.BatchSize = 8; }, searchSpace: new SearchSpace()),
                auto.Distill(configure: o => { o.Device = "cpu"; o.Threads = 1; o.StudentLayers = 1; o.NumberOfEpochs = 2; o.BatchSize = 8; o.LearningRate = 1e-3; }, searchSpace: new SearchSpace()));
        var train = TextData.Make(48, 1);
        var valid = TextData.Make(24, 2);
        var result = await auto.CreateExperiment()
            .SetPipeline(pipeline)
            .SetDataset(train, valid)
            .SetBinaryClassificationMetric(BinaryClassificationMetric.Accuracy)
            .SetMaxTrials(3)
            .SetGridSearchTuner()
            .RunAsync();

        Assert.Equal(3, result.Trials.Count);
        Assert.All(result.Trials, t => Assert.True(t.Status == TrialStatus.Completed, $"{t.Pipeline}: {t.Status} {t.Error}"));
        Assert.Equal(["normalize ⇒ transformer ⇒ distill", "normalize ⇒ transformer ⇒ prune", "normalize ⇒ transformer ⇒ quantize"],
            result.Trials.Select(t => t.Pipeline!).Order().ToArray());
        Assert.All(result.Trials, t => Assert.InRange(t.Metric, 0, 1));

        // the refitted best model ends in a compressed classifier and scores rows it has not seen
        var model = Assert.IsType<TransformerChain<ITransformer>>(result.BestTrial.Model);
        Assert.Contains(Flatten(model), t => t is CompressedTextClassificationTransformer);
        var scored = model.Transform(valid);
        var probabilities = scored.GetColumn<float>("Probability").ToArray();
        Assert.Equal(24, probabilities.Length);
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
        Assert.InRange(ml.BinaryClassification.EvaluateNonCalibrated(scored).Accuracy, 0, 1);
    }

    static IEnumerable<ITransformer> Flatten(ITransformer t) =>
        t is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [t];
}
