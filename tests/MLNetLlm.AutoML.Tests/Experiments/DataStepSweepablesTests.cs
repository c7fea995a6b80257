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
    public void ASearchedDeduplicationThatWouldGutTheTrainingDataFailsWithTheCounts()
    {
        var ml = new MLContext(1);
        var dedup = ml.Llm().Auto().Deduplicate("Text");
        var texts = new[] { "the quick brown fox jumps over the lazy dog", "pack my box with five dozen liquor jugs", "sphinx of black quartz judge my vow", "the five boxing wizards jump quickly" };
        var data = InMemoryDataView.FromColumns(("Text", TextDataViewType.Instance, texts.Select(t => t.AsMemory()).ToArray()));
        var singleCharacters = Parameter.FromObject(dedup.SearchSpace.Default.Children.Select(kv => kv.Key switch
        {
            "Shingles" => new KeyValuePair<string, Parameter>(kv.Key, Parameter.FromString("Character")),
            "ShingleSize" => new KeyValuePair<string, Parameter>(kv.Key, Parameter.FromInt(1)),
            "JaccardThreshold" => new KeyValuePair<string, Parameter>(kv.Key, Parameter.FromDouble(0.5)),
            _ => kv,
        }));
        // As sets of single letters, four different pangrams are near duplicates: all but one would go.
        var ex = Assert.Throws<InvalidOperationException>(() => dedup.ApplyToTrainingData(ml, singleCharacters, data));
        Assert.Contains("of 4 rows", ex.Message);
        Assert.Contains("MaxRemovedFraction 0.5", ex.Message);
        Assert.Equal(4, ((InMemoryDataView)dedup.ApplyToTrainingData(ml, dedup.SearchSpace.Default, data)).RowCount);
    }

    sealed class CountIn { public float X { get; set; } }
    sealed class CountOut { public float Y { get; set; } }

    [Fact]
    public void CacheCheckpointRunsTheStagesBeforeItOncePerFitAndStaysOutOfTheModel()
    {
        var ml = new MLContext(1);
        var rng = new Random(3);
        var x = Enumerable.Range(0, 200).Select(_ => (float)rng.NextDouble()).ToArray();
        var data = InMemoryDataView.FromColumns(
            ("X", NumberDataViewType.Single, x),
            ("Label", BooleanDataViewType.Instance, x.Select(v => v > 0.5f).ToArray()));
        int calls = 0;
        SweepablePipeline Pipeline(bool cache)
        {
            var p = new SweepablePipeline()
                .Append(ml.Transforms.CustomMapping<CountIn, CountOut>((i, o) => { Interlocked.Increment(ref calls); o.Y = i.X * 2; }, null), "count")
                .Append(ml.Transforms.Concatenate("Features", "Y"), "features");
            if (cache) p.AppendCacheCheckpoint();
            return p.Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 20), "sdca");
        }
        var uncached = Pipeline(cache: false);
        var m1 = uncached.Fit(ml, uncached.SearchSpace.Default, data);
        int uncachedCalls = calls;
        calls = 0;
        var cached = Pipeline(cache: true);
        Assert.Equal("count ⇒ features ⇒ cache ⇒ sdca", cached.Describe(cached.SearchSpace.Default));
        var m2 = cached.Fit(ml, cached.SearchSpace.Default, data);
        Assert.True(calls <= 2 * x.Length, $"{calls} feature computations for {x.Length} rows with a cache checkpoint");
        Assert.True(uncachedCalls > calls, $"without the checkpoint {uncachedCalls}, with {calls}");
        // SDCA shuffles cached (shuffleable) rows, so the weights differ slightly; both learn the rule x > 0.5
        var p1 = m1.Transform(data).GetColumn<bool>("PredictedLabel").ToArray();
        var p2 = m2.Transform(data).GetColumn<bool>("PredictedLabel").ToArray();
        var truth = x.Select(v => v > 0.5f).ToArray();
        Assert.True(p2.Zip(truth).Count(t => t.First == t.Second) >= 0.9 * x.Length);
        Assert.True(p2.Zip(p1).Count(t => t.First == t.Second) >= 0.95 * x.Length);
        Assert.DoesNotContain(((TransformerChain<ITransformer>)m2).Select(t => t.GetType().Name), n => n.Contains("Cache", StringComparison.Ordinal));
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
