using MLNetLlm.SearchSpaces;
using Microsoft.ML;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Torch.Trainers;

/// <summary>
/// Settings shared by the transformer trainers. Every numeric setting documents its default and useful range;
/// <c>[Range]</c> and <c>[Choice]</c> mark the ones an AutoML sweep tunes by default (learning rate, epochs, batch size,
/// sequence length, weight decay, warm-up, fine-tuning mode, LoRA rank/alpha/dropout, prompt tokens).
/// </summary>
public abstract class TransformerTrainingOptions
{
    /// <summary>
    /// The pretrained encoder to fine-tune: a catalogue name (<c>all-MiniLM-L6-v2</c>, <c>arctic-embed-xs</c>; see
    /// <see cref="Pretrained.PretrainedModels"/>), a HF BERT checkpoint directory (config.json, model.safetensors,
    /// vocab.txt) or a BERT <c>.onnx</c> file with vocab.txt beside it. Null (default): train from scratch with a
    /// WordPiece vocabulary learned from the training text and the <c>Scratch*</c> architecture.
    /// </summary>
    public string? PretrainedModelPath { get; set; }

    /// <summary>Which weights train. Default <see cref="FineTuningMode.Full"/>; LoRA and prompt tuning need a pre-trained model to be useful.</summary>
    [Choice(FineTuningMode.Full, FineTuningMode.Lora, FineTuningMode.PromptTuning)]
    public FineTuningMode Mode { get; set; } = FineTuningMode.Full;

    /// <summary>
    /// Peak learning rate of AdamW. Null (default) picks by mode: full fine-tuning 5e-5 (from scratch 1e-3), LoRA 5e-4,
    /// prompt tuning 3e-2. Range 1e-6 – 1e-1, log scale.
    /// </summary>
    [Range(1e-5, 1e-2, logBase: true)]
    public double? LearningRate { get; set; }

    /// <summary>
    /// Factor on the mode's default learning rate when <see cref="LearningRate"/> is null. Default 1. An AutoML search
    /// of a pretrained encoder varies this (0.4–1.6) to stay around each mode's default.
    /// </summary>
    public double LearningRateScale { get; set; } = 1.0;

    /// <summary>
    /// Peak learning rate of the classification head (and any other newly initialised head weights), its own AdamW
    /// parameter group on the same warm-up/decay schedule. Null (default): with a pretrained encoder
    /// max(<see cref="LearningRate"/>, 1e-3) — a fresh head needs a larger step than the pretrained weights it sits on
    /// (5e-5 → 1e-3 in full fine-tuning); from scratch the same rate as the rest.
    /// </summary>
    public double? HeadLearningRate { get; set; }

    int? _epochs;

    /// <summary>
    /// Passes over the training data; range 1–50. Default 3 — or, when this is not set, more for small data (see
    /// <see cref="MinimumTrainingSteps"/>). A value that is set (by code, the CLI's --epochs or an AutoML trial) is kept.
    /// </summary>
    [Range(1, 10)]
    public int NumberOfEpochs { get => _epochs ?? 3; set => _epochs = value; }

    /// <summary>
    /// Fewest optimizer steps a run takes when <see cref="NumberOfEpochs"/> is not set: if 3 passes over small data give
    /// fewer, the epochs are raised to reach it (at most 20). Null (default): 500 with a pretrained encoder — a few
    /// hundred rows would otherwise get a few dozen steps, far from converged — and none from scratch. 0 turns it off.
    /// </summary>
    public int? MinimumTrainingSteps { get; set; }

    /// <summary>Rows per forward pass. Default 16; range 1–512.</summary>
    [Range(4, 64, logBase: true)]
    public int BatchSize { get; set; } = 16;

    /// <summary>Optimizer step every this many batches (effective batch = BatchSize × this). Default 1; range 1–64.</summary>
    public int GradientAccumulationSteps { get; set; } = 1;

    /// <summary>Tokens per row including [CLS]/[SEP]; longer texts are truncated (pairs: longest first). Default 128; range 8–512.</summary>
    [Range(32, 256, logBase: true)]
    public int MaxLength { get; set; } = 128;

    /// <summary>Decoupled AdamW weight decay (not applied to biases and LayerNorm). Default 0.01; range 0–0.3.</summary>
    [Range(0.0, 0.3)]
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>Fraction of the optimizer steps spent warming up linearly before the linear decay. Default 0.1; range 0–0.5.</summary>
    [Range(0.0, 0.3)]
    public double WarmupFraction { get; set; } = 0.1;

    /// <summary>Clip the global gradient norm to this (0 = no clipping). Default 1.0.</summary>
    public double MaxGradNorm { get; set; } = 1.0;

    /// <summary>Stop after this many epochs without validation-loss improvement (0 = never). Needs validation data. Default 0.</summary>
    public int EarlyStoppingPatience { get; set; }

    /// <summary>Rows to score after each epoch; the weights of the best epoch are kept. Default null.</summary>
    public IDataView? ValidationData { get; set; }

    /// <summary>When <see cref="ValidationData"/> is null, hold out this fraction of the training rows for validation. Default 0; range 0–0.5.</summary>
    public double ValidationFraction { get; set; }

    /// <summary>
    /// Seed for initialisation, shuffling and dropout; the same seed and data give the same model on CPU, also while other
    /// models train in the same process (dropout masks come from the model's own generator, not libtorch's global one).
    /// On CUDA, fused attention's dropout uses the global generator and some kernels are nondeterministic. Default 42.
    /// </summary>
    public int Seed { get; set; } = 42;

    /// <summary><c>auto</c> (CUDA when available, default), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>On CUDA, compute matrix products in bfloat16 with float32 master weights. Default true (ignored on CPU).</summary>
    public bool MixedPrecision { get; set; } = true;

    /// <summary>LoRA rank r. Default 8; range 1–64.</summary>
    [Range(1, 64, logBase: true)]
    public int LoraRank { get; set; } = 8;

    /// <summary>LoRA alpha (update scale alpha / r). Default 16; range 1–128.</summary>
    [Range(1.0, 128.0, logBase: true)]
    public double LoraAlpha { get; set; } = 16;

    /// <summary>Dropout on the LoRA input. Default 0.1; range 0–0.5.</summary>
    [Range(0.0, 0.5)]
    public double LoraDropout { get; set; } = 0.1;

    /// <summary>Projections that get adapters: any of query, key, value, attention.output, intermediate, output. Default query, value.</summary>
    public IReadOnlyList<string> LoraTargetModules { get; set; } = ["query", "value"];

    /// <summary>Number of trainable virtual tokens for prompt tuning. Default 20; range 1–100.</summary>
    [Range(1, 100, logBase: true)]
    public int PromptTokens { get; set; } = 20;

    /// <summary>From scratch: target WordPiece vocabulary size. Default 8000; range 1,000–30,000.</summary>
    public int ScratchVocabularySize { get; set; } = 8000;

    /// <summary>From scratch: hidden width. Default 128; must be a multiple of <see cref="ScratchAttentionHeads"/>.</summary>
    public int ScratchHiddenSize { get; set; } = 128;

    /// <summary>From scratch: encoder layers. Default 2; range 1–12.</summary>
    public int ScratchLayers { get; set; } = 2;

    /// <summary>From scratch: attention heads. Default 2.</summary>
    public int ScratchAttentionHeads { get; set; } = 2;

    /// <summary>From scratch: feed-forward width. Default 512 (4 × hidden).</summary>
    public int ScratchIntermediateSize { get; set; } = 512;

    /// <summary>Directory for resumable checkpoints; a run finds its checkpoint there and continues. Null (default): none.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Write a checkpoint every this many optimizer steps (and at every epoch end and on cancellation). Default 50.</summary>
    public int CheckpointEverySteps { get; set; } = 50;

    /// <summary>Rows per batch at inference. Default 64.</summary>
    public int InferenceBatchSize { get; set; } = 64;

    /// <summary>Receives progress after every optimizer step and at each epoch end. Default null.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Cancels training between optimizer steps (a checkpoint is written first when a directory is set).</summary>
    public CancellationToken CancellationToken { get; set; }

    internal double EffectiveLearningRate => LearningRate ?? LearningRateScale * Mode switch
    {
        FineTuningMode.Lora => 5e-4,
        FineTuningMode.PromptTuning => 3e-2,
        _ => PretrainedModelPath is null ? 1e-3 : 5e-5,
    };

    /// <summary>The head's peak learning rate (see <see cref="HeadLearningRate"/>).</summary>
    internal double EffectiveHeadLearningRate => HeadLearningRate ?? (PretrainedModelPath is null ? EffectiveLearningRate : Math.Max(EffectiveLearningRate, 1e-3));

    /// <summary>Whether <see cref="NumberOfEpochs"/> was set (then it is trained as given).</summary>
    internal bool EpochsGiven => _epochs.HasValue;

    /// <summary>Epochs to train given the optimizer steps of one epoch (see <see cref="MinimumTrainingSteps"/>).</summary>
    internal int EffectiveEpochs(long stepsPerEpoch)
    {
        const int cap = 20;
        long minimum = MinimumTrainingSteps ?? (PretrainedModelPath is null ? 0 : 500);
        if (_epochs.HasValue || stepsPerEpoch <= 0 || stepsPerEpoch * NumberOfEpochs >= minimum || NumberOfEpochs >= cap) return NumberOfEpochs;
        return (int)Math.Min(cap, (minimum + stepsPerEpoch - 1) / stepsPerEpoch);
    }

    internal void Validate()
    {
        static void Range(double v, double lo, double hi, string name)
        {
            if (!(v >= lo && v <= hi)) throw new ArgumentOutOfRangeException(name, v, $"{name} must be in [{lo}, {hi}].");
        }
        Range(EffectiveLearningRate, 1e-8, 1, nameof(LearningRate));
        Range(EffectiveHeadLearningRate, 1e-8, 1, nameof(HeadLearningRate));
        Range(LearningRateScale, 1e-3, 1e3, nameof(LearningRateScale));
        Range(MinimumTrainingSteps ?? 0, 0, 10_000_000, nameof(MinimumTrainingSteps));
        Range(NumberOfEpochs, 1, 1000, nameof(NumberOfEpochs));
        Range(BatchSize, 1, 4096, nameof(BatchSize));
        Range(GradientAccumulationSteps, 1, 1024, nameof(GradientAccumulationSteps));
        Range(MaxLength, 8, 8192, nameof(MaxLength));
        Range(WeightDecay, 0, 1, nameof(WeightDecay));
        Range(WarmupFraction, 0, 1, nameof(WarmupFraction));
        Range(MaxGradNorm, 0, double.MaxValue, nameof(MaxGradNorm));
        Range(EarlyStoppingPatience, 0, 1000, nameof(EarlyStoppingPatience));
        Range(ValidationFraction, 0, 0.9, nameof(ValidationFraction));
        Range(LoraRank, 1, 1024, nameof(LoraRank));
        Range(LoraAlpha, 1e-6, 1e6, nameof(LoraAlpha));
        Range(LoraDropout, 0, 0.99, nameof(LoraDropout));
        Range(PromptTokens, 1, 1000, nameof(PromptTokens));
        Range(ScratchVocabularySize, 100, 1_000_000, nameof(ScratchVocabularySize));
        Range(ScratchLayers, 1, 48, nameof(ScratchLayers));
        Range(CheckpointEverySteps, 1, int.MaxValue, nameof(CheckpointEverySteps));
        Range(InferenceBatchSize, 1, 65536, nameof(InferenceBatchSize));
        if (ScratchHiddenSize <= 0 || ScratchAttentionHeads <= 0 || ScratchHiddenSize % ScratchAttentionHeads != 0)
            throw new ArgumentException($"ScratchHiddenSize ({ScratchHiddenSize}) must be a positive multiple of ScratchAttentionHeads ({ScratchAttentionHeads}).");
        if (EarlyStoppingPatience > 0 && ValidationData is null && ValidationFraction <= 0)
            throw new ArgumentException("EarlyStoppingPatience needs ValidationData or a ValidationFraction above 0.");
    }
}
