using System.Reflection;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.Data.Augmentation;
using MLNetLlm.Data.Balancing;
using MLNetLlm.Data.Chunking;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Data.Outliers;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Trainers;
using RangeAttribute = MLNetLlm.SearchSpaces.RangeAttribute;

namespace MLNetLlm.AutoML.Tests.SearchSpaces;

/// <summary>The options classes other assemblies ship carry [Range]/[Choice] attributes; each must make a valid space.</summary>
public sealed class ShippedOptionsSpaceTests
{
    static void SamplesStayInsideTheDeclaredRanges<T>(params string[] mustInclude) where T : class, new()
    {
        var declared = typeof(T).GetProperties()
            .Where(p => p.GetCustomAttribute<RangeAttribute>() != null || p.GetCustomAttribute<MLNetLlm.SearchSpaces.ChoiceAttribute>() != null
                        || p.GetCustomAttribute<MLNetLlm.SearchSpaces.BooleanChoiceAttribute>() != null)
            .Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var space = new SearchSpace<T>();
        space.EnsureSearchable();
        Assert.Equal(declared, space.Keys);
        Assert.All(mustInclude, k => Assert.Contains(k, declared));
        // The space's default point is the class's own defaults (where they lie in the declared range, in the member's precision).
        var defaults = new T();
        var fromSpace = space.Default.AsType<T>();
        foreach (var prop in typeof(T).GetProperties())
        {
            var range = prop.GetCustomAttribute<RangeAttribute>();
            if (range == null || prop.GetValue(defaults) is not { } own) continue;
            double v = Convert.ToDouble(own);
            bool inRange = own is float f ? f >= (float)range.Min && f <= (float)range.Max : v >= range.Min && v <= range.Max;
            if (inRange) Assert.True(Equals(own, prop.GetValue(fromSpace)), $"{typeof(T).Name}.{prop.Name}: default {own}, space default {prop.GetValue(fromSpace)}");
        }
        var rng = new Random(3);
        for (int i = 0; i < 50; i++)
        {
            var point = Enumerable.Range(0, space.FeatureSpaceDim).Select(_ => rng.NextDouble()).ToArray();
            var options = space.SampleOptions(point);
            foreach (var prop in typeof(T).GetProperties())
            {
                var range = prop.GetCustomAttribute<RangeAttribute>();
                if (range == null) continue;
                double v = Convert.ToDouble(prop.GetValue(options));
                Assert.InRange(v, range.Min, range.Max);
                if (range.IsInteger) Assert.Equal(Math.Round(v), v);
            }
        }
    }

    [Fact] public void Deduplication() => SamplesStayInsideTheDeclaredRanges<DeduplicationOptions>("JaccardThreshold", "NumPermutations");
    [Fact] public void Augmentation() => SamplesStayInsideTheDeclaredRanges<AugmentationOptions>();
    [Fact] public void Balance() => SamplesStayInsideTheDeclaredRanges<BalanceOptions>();
    [Fact] public void Outliers() => SamplesStayInsideTheDeclaredRanges<OutlierOptions>();
    [Fact] public void Chunking() => SamplesStayInsideTheDeclaredRanges<ChunkingOptions>();
    [Fact] public void Pruning() => SamplesStayInsideTheDeclaredRanges<PruningOptions>("Sparsity", "HeadFraction", "FeedForwardFraction", "Quantization");
    [Fact] public void Distillation() => SamplesStayInsideTheDeclaredRanges<DistillationOptions>("StudentLayers", "Temperature", "Alpha");
    [Fact] public void TextClassification() => SamplesStayInsideTheDeclaredRanges<TextClassificationTrainer.Options>("LearningRate", "NumberOfEpochs", "Mode", "LoraRank");
    [Fact] public void SentencePairRegression() => SamplesStayInsideTheDeclaredRanges<SentencePairRegressionTrainer.Options>("LearningRate", "BatchSize");
    [Fact] public void Quantization() => SamplesStayInsideTheDeclaredRanges<QuantizationOptions>("Mode");
    [Fact] public void Sdca() => SamplesStayInsideTheDeclaredRanges<DefaultSpaces.SdcaSearchOptions>("L1Regularization", "L2Regularization");
    [Fact] public void LightGbm() => SamplesStayInsideTheDeclaredRanges<DefaultSpaces.LightGbmSearchOptions>();
    [Fact] public void FastTree() => SamplesStayInsideTheDeclaredRanges<DefaultSpaces.FastTreeSearchOptions>();
    [Fact] public void TextFeaturizer() => SamplesStayInsideTheDeclaredRanges<DefaultSpaces.TextFeaturizerSearchOptions>("MaximumNgramsCount");
    [Fact] public void SentenceEmbedding() => SamplesStayInsideTheDeclaredRanges<DefaultSpaces.SentenceEmbeddingSearchOptions>("Normalize", "MaxLength");
    [Fact] public void TextNormalizer() => SamplesStayInsideTheDeclaredRanges<DefaultSpaces.TextNormalizerSearchOptions>();
}
