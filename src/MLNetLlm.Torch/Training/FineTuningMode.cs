namespace MLNetLlm.Torch.Training;

/// <summary>Which weights a fine-tuning run updates.</summary>
public enum FineTuningMode
{
    /// <summary>Every weight of the encoder and the head.</summary>
    Full,
    /// <summary>Low-rank adapters on chosen projections plus the head; the encoder is frozen, adapters are merged after training.</summary>
    Lora,
    /// <summary>A few trainable virtual-token embeddings plus the head; the encoder is frozen.</summary>
    PromptTuning,
}
