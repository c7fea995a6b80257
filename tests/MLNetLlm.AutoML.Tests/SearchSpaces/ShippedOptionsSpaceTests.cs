using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.Data.Augmentation;
using MLNetLlm.Data.Balancing;
using MLNetLlm.Data.Chunking;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Data.Outliers;

namespace MLNetLlm.AutoML.Tests.SearchSpaces;

/// <summary>The options classes other assemblies ship carry [Range]/[Choice] attributes; each must make a valid space.</summary>
public sealed class ShippedOptionsSpaceTests
{
    [Fact] public void Deduplication() => DeclaredRanges.SamplesStayInside<DeduplicationOptions>("JaccardThreshold", "NumPermutations");
    [Fact] public void Augmentation() => DeclaredRanges.SamplesStayInside<AugmentationOptions>();
    [Fact] public void Balance() => DeclaredRanges.SamplesStayInside<BalanceOptions>();
    [Fact] public void Outliers() => DeclaredRanges.SamplesStayInside<OutlierOptions>();
    [Fact] public void Chunking() => DeclaredRanges.SamplesStayInside<ChunkingOptions>();
    [Fact] public void Sdca() => DeclaredRanges.SamplesStayInside<DefaultSpaces.SdcaSearchOptions>("L1Regularization", "L2Regularization");
    [Fact] public void LightGbm() => DeclaredRanges.SamplesStayInside<DefaultSpaces.LightGbmSearchOptions>();
    [Fact] public void FastTree() => DeclaredRanges.SamplesStayInside<DefaultSpaces.FastTreeSearchOptions>();
    [Fact] public void TextFeaturizer() => DeclaredRanges.SamplesStayInside<DefaultSpaces.TextFeaturizerSearchOptions>("MaximumNgramsCount");
    [Fact] public void TextNormalizer() => DeclaredRanges.SamplesStayInside<DefaultSpaces.TextNormalizerSearchOptions>();
}
