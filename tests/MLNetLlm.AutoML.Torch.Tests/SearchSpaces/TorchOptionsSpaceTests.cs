using MLNetLlm.AutoML.Tests.SearchSpaces;
using MLNetLlm.AutoML.Torch.DefaultSpaces;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.AutoML.Torch.Tests.SearchSpaces;

/// <summary>The TorchSharp options classes carry [Range]/[Choice] attributes; each must make a valid AutoML space.</summary>
public sealed class TorchOptionsSpaceTests
{
    [Fact] public void Pruning() => DeclaredRanges.SamplesStayInside<PruningOptions>("Sparsity", "HeadFraction", "FeedForwardFraction", "Quantization");
    [Fact] public void Distillation() => DeclaredRanges.SamplesStayInside<DistillationOptions>("StudentLayers", "Temperature", "Alpha");
    [Fact] public void TextClassification() => DeclaredRanges.SamplesStayInside<TextClassificationTrainer.Options>("LearningRate", "NumberOfEpochs", "Mode", "LoraRank");
    [Fact] public void SentencePairRegression() => DeclaredRanges.SamplesStayInside<SentencePairRegressionTrainer.Options>("LearningRate", "BatchSize");
    [Fact] public void Quantization() => DeclaredRanges.SamplesStayInside<QuantizationOptions>("Mode");
    [Fact] public void SentenceEmbedding() => DeclaredRanges.SamplesStayInside<SentenceEmbeddingSearchOptions>("Normalize", "MaxLength");
}
