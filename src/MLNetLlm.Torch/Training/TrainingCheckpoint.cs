using System.Text.Json;
using System.Text.Json.Nodes;
using MLNetLlm.Torch.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Training;

/// <summary>
/// A resumable training state in <c>{dir}/checkpoint</c>: the trainable weights, AdamW moments, the best weights so far
/// (early stopping), the from-scratch vocabulary and the position in the run. Written to a sibling folder then
/// swapped in, so a run killed while writing keeps the previous checkpoint.
/// </summary>
internal static class TrainingCheckpoint
{
    const string Current = "checkpoint", Partial = "checkpoint.partial", StateFile = "state.json";

    public sealed class State
    {
        public string Fingerprint { get; set; } = "";
        public int Epoch { get; set; }
        public int Batch { get; set; }
        public long Step { get; set; }
        public double BestLoss { get; set; } = double.PositiveInfinity;
        public int BadEpochs { get; set; }
        public bool Stopped { get; set; }
        public double LossSum { get; set; }
        public long LossCount { get; set; }
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    static string? Find(string dir)
    {
        foreach (var name in new[] { Current, Partial })
        {
            string d = Path.Combine(dir, name);
            if (File.Exists(Path.Combine(d, StateFile))) return d;
        }
        return null;
    }

    public static bool Exists(string dir) => Find(dir) != null;

    public static IReadOnlyList<string>? ReadVocabulary(string dir)
    {
        var d = Find(dir);
        string p = d == null ? "" : Path.Combine(d, "vocab.txt");
        // line for line: an empty line is an empty token with its id, as in the vocab.txt the tokenizer reads
        return d != null && File.Exists(p) ? File.ReadAllLines(p) : null;
    }

    public static void Save(string dir, State state, nn.Module model, AdamW optimizer, IReadOnlyDictionary<string, Tensor>? best, IReadOnlyList<string>? vocabulary)
    {
        string partial = Path.Combine(dir, Partial), current = Path.Combine(dir, Current);
        if (Directory.Exists(partial)) Directory.Delete(partial, true);
        Directory.CreateDirectory(partial);
        SafeTensors.Write(Path.Combine(partial, "weights.safetensors"), Trainable(model));
        SafeTensors.Write(Path.Combine(partial, "optimizer.safetensors"), optimizer.StateTensors());
        if (best != null) SafeTensors.Write(Path.Combine(partial, "best.safetensors"), best);
        if (vocabulary != null) File.WriteAllLines(Path.Combine(partial, "vocab.txt"), vocabulary);
        File.WriteAllText(Path.Combine(partial, StateFile), JsonSerializer.Serialize(state, Json));
        if (Directory.Exists(current)) Directory.Delete(current, true);
        Directory.Move(partial, current);
    }

    /// <summary>Restores weights and optimizer moments; returns the run position and the best weights (CPU) if any.</summary>
    public static State Load(string dir, string fingerprint, nn.Module model, AdamW optimizer, out Dictionary<string, Tensor>? best)
    {
        string d = Find(dir) ?? throw new InvalidOperationException($"No checkpoint in '{dir}'.");
        var state = JsonSerializer.Deserialize<State>(File.ReadAllText(Path.Combine(d, StateFile)), Json)
            ?? throw new InvalidDataException($"'{d}': {StateFile} is empty.");
        if (state.Fingerprint != fingerprint)
            throw new InvalidOperationException(
                $"The checkpoint in '{dir}' belongs to another run (different data or settings). Delete it or choose another CheckpointDirectory.");
        var weights = SafeTensors.Read(Path.Combine(d, "weights.safetensors"));
        try
        {
            var trainable = Trainable(model);
            if (!weights.Keys.ToHashSet().SetEquals(trainable.Keys))
                throw new InvalidDataException($"'{d}': checkpoint weights do not match the model's trainable parameters.");
            using (no_grad())
                foreach (var (name, p) in trainable) p.copy_(weights[name]);
        }
        finally { foreach (var t in weights.Values) t.Dispose(); }
        var opt = SafeTensors.Read(Path.Combine(d, "optimizer.safetensors"));
        try { optimizer.LoadState(opt, state.Step); }
        finally { foreach (var t in opt.Values) t.Dispose(); }
        string bestPath = Path.Combine(d, "best.safetensors");
        best = File.Exists(bestPath) ? SafeTensors.Read(bestPath) : null;
        return state;
    }

    public static Dictionary<string, Tensor> Trainable(nn.Module model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad).ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
}
