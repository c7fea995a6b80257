using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;

namespace MLNetLlm.AutoML.Tests.SearchSpaces;

/// <summary>The options classes other assemblies ship carry [Range]/[Choice] attributes; each must make a valid space.</summary>
public sealed class ShippedOptionsSpaceTests
{
    static void SamplesStayInsideTheDeclaredRanges<T>(params string[] expectedKeys) where T : class, new()
    {
        var space = new SearchSpace<T>();
        space.EnsureSearchable();
        Assert.Equal(expectedKeys.OrderBy(k => k, StringComparer.Ordinal), space.Keys);
        var rng = new Random(3);
        for (int i = 0; i < 50; i++)
        {
            var point = Enumerable.Range(0, space.FeatureSpaceDim).Select(_ => rng.NextDouble()).ToArray();
            var options = space.SampleOptions(point);
            foreach (var key in expectedKeys)
            {
                var prop = typeof(T).GetProperty(key)!;
                var range = (MLNetLlm.SearchSpaces.RangeAttribute?)Attribute.GetCustomAttribute(prop, typeof(MLNetLlm.SearchSpaces.RangeAttribute));
                if (range == null) continue;
                double v = Convert.ToDouble(prop.GetValue(options));
                Assert.InRange(v, range.Min, range.Max);
            }
        }
    }

    [Fact] public void Deduplication() => SamplesStayInsideTheDeclaredRanges<DeduplicationOptions>("JaccardThreshold", "NumPermutations", "ShingleSize", "Shingles");
    [Fact] public void Pruning() => SamplesStayInsideTheDeclaredRanges<PruningOptions>("FeedForwardFraction", "HeadFraction", "Quantization", "RecoveryEpochs", "Scope", "Sparsity");
    [Fact] public void Distillation() => SamplesStayInsideTheDeclaredRanges<DistillationOptions>("Alpha", "HiddenStateWeight", "LearningRate", "Quantization", "StudentLayers", "Temperature");
    [Fact] public void Quantization() => SamplesStayInsideTheDeclaredRanges<QuantizationOptions>("Mode");
}
