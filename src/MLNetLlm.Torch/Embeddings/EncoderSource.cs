namespace MLNetLlm.Torch.Embeddings;

/// <summary>Turns a <see cref="SentenceEmbeddingEstimator.Options.PretrainedModel"/> setting into a HF-layout folder.</summary>
internal static class EncoderSource
{
    /// <summary>The folder for <paramref name="model"/>: an existing HF checkpoint folder as is; otherwise a clear error.</summary>
    public static string Resolve(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (Directory.Exists(model))
        {
            foreach (var f in new[] { "config.json", "model.safetensors", "vocab.txt" })
                if (!File.Exists(Path.Combine(model, f)))
                    throw new FileNotFoundException($"Pretrained model folder '{model}' has no {f}: it is not a HF BERT checkpoint.", Path.Combine(model, f));
            return Path.GetFullPath(model);
        }
        throw new DirectoryNotFoundException($"Pretrained model '{model}' is not a HF BERT checkpoint folder (config.json, model.safetensors, vocab.txt).");
    }
}
