using System.Globalization;
using MLNetLlm.Torch.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Continual;

/// <summary>
/// What a model carries for the next round of continual learning: the diagonal Fisher of the tasks learned so far and
/// the weights it was computed at (the EWC anchor), float32 on the CPU and keyed by parameter name, plus the number of
/// rounds and a reference to the sample memory. Saved as <c>continual.safetensors</c> (tensors <c>fisher.NAME</c> and
/// <c>anchor.NAME</c>, the rest in the header's metadata) beside the model's weights.
/// </summary>
internal sealed class ContinualState : IDisposable
{
    public const string FileName = "continual.safetensors";

    public ContinualState(Dictionary<string, Tensor> fisher, Dictionary<string, Tensor> anchor, int rounds, long fisherRows, string? memoryReference)
    {
        if (!fisher.Keys.Order(StringComparer.Ordinal).SequenceEqual(anchor.Keys.Order(StringComparer.Ordinal), StringComparer.Ordinal))
            throw new ArgumentException("The Fisher and the anchor must name the same parameters.");
        foreach (var (name, f) in fisher)
            if (!f.shape.SequenceEqual(anchor[name].shape)) throw new ArgumentException($"Fisher and anchor of '{name}' differ in shape.");
        Fisher = fisher;
        Anchor = anchor;
        Rounds = rounds;
        FisherRows = fisherRows;
        MemoryReference = memoryReference;
    }

    /// <summary>Diagonal Fisher per parameter (summed over the rounds).</summary>
    public Dictionary<string, Tensor> Fisher { get; }

    /// <summary>The weights θ* the penalty pulls towards.</summary>
    public Dictionary<string, Tensor> Anchor { get; }

    /// <summary>Trainings this state summarises (1 after the first).</summary>
    public int Rounds { get; }

    /// <summary>Rows the latest Fisher was estimated from.</summary>
    public long FisherRows { get; }

    public string? MemoryReference { get; }

    public void Save(string directory)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, f) in Fisher) tensors["fisher." + name] = f;
        foreach (var (name, a) in Anchor) tensors["anchor." + name] = a;
        var meta = new Dictionary<string, string>
        {
            ["rounds"] = Rounds.ToString(CultureInfo.InvariantCulture),
            ["fisher_rows"] = FisherRows.ToString(CultureInfo.InvariantCulture),
        };
        if (MemoryReference != null) meta["memory"] = MemoryReference;
        SafeTensors.Write(Path.Combine(directory, FileName), tensors, meta);
    }

    /// <summary>Reads <see cref="FileName"/> of <paramref name="directory"/> (null when there is none) and checks it against the model's parameters.</summary>
    public static ContinualState? Load(string directory, nn.Module model)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        var tensors = SafeTensors.Read(path, out var meta);
        try
        {
            var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape, StringComparer.Ordinal);
            var fisher = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var anchor = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (key, t) in tensors)
            {
                var (target, name) = key.StartsWith("fisher.", StringComparison.Ordinal) ? (fisher, key[7..])
                    : key.StartsWith("anchor.", StringComparison.Ordinal) ? (anchor, key[7..])
                    : throw new InvalidDataException($"'{path}': unexpected tensor '{key}' (only fisher.* and anchor.*).");
                if (!parameters.TryGetValue(name, out var shape) || !shape.SequenceEqual(t.shape) || t.dtype != ScalarType.Float32)
                    throw new InvalidDataException($"'{path}': '{key}' does not match a float32 parameter of the model's shape.");
                target[name] = t;
            }
            int rounds = meta.TryGetValue("rounds", out var r) && int.TryParse(r, CultureInfo.InvariantCulture, out int rr) && rr >= 0 ? rr
                : throw new InvalidDataException($"'{path}': the metadata has no valid 'rounds'.");
            long rows = meta.TryGetValue("fisher_rows", out var fr) && long.TryParse(fr, CultureInfo.InvariantCulture, out long frr) ? frr : 0;
            return new ContinualState(fisher, anchor, rounds, rows, meta.GetValueOrDefault("memory"));
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var t in Fisher.Values) t.Dispose();
        foreach (var t in Anchor.Values) t.Dispose();
    }
}
