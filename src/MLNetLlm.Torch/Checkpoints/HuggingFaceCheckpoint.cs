using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Checkpoints;

/// <summary>
/// Loads and saves HF BERT checkpoints laid out as <c>config.json</c> + <c>model.safetensors</c> + <c>vocab.txt</c>.
/// Loading is strict: every tensor in the file must be a parameter of the model (same shape) or a known pre-training
/// extra (<c>cls.*</c> heads, the <c>position_ids</c> buffer), and every parameter must come from the file, except a
/// classification head that is explicitly allowed to be new.
/// </summary>
internal static class HuggingFaceCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";

    /// <summary>Loads a directory into a model on <paramref name="device"/>.</summary>
    /// <param name="labels">Head labels to use instead of the config's; a head of another size is then newly initialised.</param>
    /// <param name="allowNewHead">Whether a missing or differently sized <c>classifier</c>, or a missing pooler, may be initialised instead of loaded.</param>
    public static (BertForSequenceClassification Model, BertTextTokenizer Tokenizer, CheckpointLoadReport Report) Load(
        string directory, Device device, ComputeSettings? compute = null, IReadOnlyList<string>? labels = null,
        bool allowNewHead = false, Generator? generator = null)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Checkpoint directory '{directory}' does not exist.");
        string configPath = Path.Combine(directory, ConfigFile), weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"'{directory}' has no {ConfigFile}.", configPath);
        if (!File.Exists(weightsPath))
            throw new FileNotFoundException(File.Exists(Path.Combine(directory, "pytorch_model.bin"))
                ? $"'{directory}' has only pytorch_model.bin; save it as {WeightsFile} (safetensors) first."
                : $"'{directory}' has no {WeightsFile}.", weightsPath);
        var config = BertConfig.Load(configPath);
        if (labels != null && !labels.SequenceEqual(config.Labels)) config = config with { Labels = labels.ToArray() };
        var tokenizer = BertTextTokenizer.FromDirectory(directory);
        if (tokenizer.Vocabulary.Count > config.VocabSize)
            throw new InvalidDataException($"'{directory}': vocab.txt has {tokenizer.Vocabulary.Count} tokens but config vocab_size is {config.VocabSize}.");

        var model = new BertForSequenceClassification(config, compute);
        model.InitializeWeights(generator ?? new Generator(0));
        CheckpointLoadReport report;
        var tensors = SafeTensors.Read(weightsPath);
        try { report = LoadWeights(model, tensors, weightsPath, allowNewHead); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
        model.to(device);
        return (model, tokenizer, report);
    }

    /// <summary>Copies <paramref name="tensors"/> into <paramref name="model"/> strictly; see the class remarks.</summary>
    public static CheckpointLoadReport LoadWeights(BertForSequenceClassification model, IReadOnlyDictionary<string, Tensor> tensors, string source, bool allowNewHead)
    {
        var parameters = model.HuggingFaceWeights();
        var loaded = new List<string>();
        var ignored = new List<string>();
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (rawKey, value) in tensors.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            string key = NormalizeKey(rawKey, parameters);
            if (parameters.TryGetValue(key, out var p))
            {
                if (!seen.Add(key)) { problems.Add($"'{rawKey}' maps to '{key}', which another key already set"); continue; }
                if (!p.shape.SequenceEqual(value.shape))
                {
                    if (allowNewHead && key.StartsWith("classifier.", StringComparison.Ordinal)) { seen.Remove(key); ignored.Add(rawKey); continue; }
                    problems.Add($"'{rawKey}' has shape [{string.Join(", ", value.shape)}] but the model expects [{string.Join(", ", p.shape)}]");
                    continue;
                }
                if (!value.is_floating_point()) { problems.Add($"'{rawKey}' has non-float dtype {value.dtype}"); continue; }
                using (no_grad()) p.copy_(value.to_type(p.dtype));
                loaded.Add(key);
            }
            else if (key is "bert.embeddings.position_ids" or "bert.embeddings.token_type_ids" || key.StartsWith("cls.", StringComparison.Ordinal))
                ignored.Add(rawKey);
            else
                problems.Add($"unexpected key '{rawKey}' (not a parameter of BertForSequenceClassification)");
        }
        var fresh = new List<string>();
        foreach (var key in parameters.Keys.Where(k => !seen.Contains(k)).OrderBy(k => k, StringComparer.Ordinal))
        {
            // A checkpoint exported for embeddings only (no pooler in the graph) starts the pooler fresh, like the head.
            if (allowNewHead && (key.StartsWith("classifier.", StringComparison.Ordinal) || key.StartsWith("bert.pooler.", StringComparison.Ordinal))) fresh.Add(key);
            else problems.Add($"missing key '{key}'");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"'{source}' does not match the BERT config ({problems.Count} problem(s)): {string.Join("; ", problems.Take(20))}" +
                                           (problems.Count > 20 ? "; …" : "."));
        return new CheckpointLoadReport(loaded, ignored, fresh);
    }

    /// <summary>
    /// Writes config.json, model.safetensors (HF keys; LoRA must already be merged), vocab.txt and tokenizer_config.json.
    /// A structurally pruned model's per-layer widths go to extra config keys (<see cref="BertConfig.LayerAttentionHeads"/>,
    /// <see cref="BertConfig.LayerIntermediateSizes"/>), so <see cref="Load"/> rebuilds it; HF transformers cannot load such a model.
    /// </summary>
    public static void Save(string directory, BertForSequenceClassification model, BertTextTokenizer tokenizer)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, ConfigFile), model.CurrentConfig().ToHuggingFaceJson());
        SafeTensors.Write(Path.Combine(directory, WeightsFile), model.HuggingFaceWeights(), new Dictionary<string, string> { ["format"] = "pt" });
        tokenizer.Save(directory);
    }

    static string NormalizeKey(string key, Dictionary<string, Tensor> parameters)
    {
        // Older checkpoints name LayerNorm parameters gamma/beta; BertModel checkpoints have no "bert." prefix.
        if (key.EndsWith(".gamma", StringComparison.Ordinal)) key = key[..^6] + ".weight";
        else if (key.EndsWith(".beta", StringComparison.Ordinal)) key = key[..^5] + ".bias";
        if (!parameters.ContainsKey(key) && (parameters.ContainsKey("bert." + key) || key.StartsWith("embeddings.", StringComparison.Ordinal)))
            key = "bert." + key;
        return key;
    }
}
