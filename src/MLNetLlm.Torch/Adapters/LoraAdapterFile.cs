using System.Text.Json.Nodes;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Models;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Adapters;

/// <summary>
/// Saves and loads LoRA adapters apart from the base model, in PEFT's layout: <c>adapter_config.json</c> and
/// <c>adapter_model.safetensors</c> with keys <c>base_model.model.{module}.lora_A.weight</c> / <c>lora_B.weight</c>, plus
/// the trained head (<c>base_model.model.classifier.*</c>).
/// </summary>
internal static class LoraAdapterFile
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";
    const string Prefix = "base_model.model.";

    public static void Save(BertForSequenceClassification model, string directory)
    {
        var adapters = model.LoraAdapters().ToList();
        if (adapters.Count == 0) throw new InvalidOperationException("The model has no LoRA adapters to save.");
        Directory.CreateDirectory(directory);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (prefix, lora) in adapters)
        {
            tensors[$"{Prefix}{prefix}.lora_A.weight"] = lora.A;
            tensors[$"{Prefix}{prefix}.lora_B.weight"] = lora.B;
        }
        tensors[Prefix + "classifier.weight"] = model.Classifier.weight!;
        tensors[Prefix + "classifier.bias"] = model.Classifier.bias!;
        SafeTensors.Write(Path.Combine(directory, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var first = adapters[0].Lora;
        var targets = adapters.Select(a => TargetName(a.Prefix)).Distinct().ToArray();
        var config = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "SEQ_CLS",
            ["r"] = first.Rank,
            ["lora_alpha"] = first.Alpha,
            ["lora_dropout"] = first.DropoutProbability,
            ["target_modules"] = new JsonArray(targets.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
            ["modules_to_save"] = new JsonArray("classifier"),
            ["bias"] = "none",
        };
        File.WriteAllText(Path.Combine(directory, ConfigFile), config.ToJsonString(new() { WriteIndented = true }));
    }

    /// <summary>Attaches adapters described by <paramref name="directory"/> to an unadapted model and loads their weights and the head.</summary>
    public static void Load(BertForSequenceClassification model, string directory)
    {
        string configPath = Path.Combine(directory, ConfigFile), weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"'{directory}' has no {ConfigFile}.", configPath);
        var cfg = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        if ((string?)cfg["peft_type"] != "LORA") throw new InvalidDataException($"'{configPath}': peft_type is not LORA.");
        int r = cfg["r"]!.GetValue<int>();
        double alpha = cfg["lora_alpha"]!.GetValue<double>();
        double dropout = cfg["lora_dropout"]?.GetValue<double>() ?? 0;
        var targets = cfg["target_modules"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();
        if (model.LoraAdapters().Any()) throw new InvalidOperationException("The model already has LoRA adapters.");
        model.ApplyLora(r, alpha, dropout, targets);
        var expected = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (prefix, lora) in model.LoraAdapters())
        {
            expected[$"{Prefix}{prefix}.lora_A.weight"] = lora.A;
            expected[$"{Prefix}{prefix}.lora_B.weight"] = lora.B;
        }
        expected[Prefix + "classifier.weight"] = model.Classifier.weight!;
        expected[Prefix + "classifier.bias"] = model.Classifier.bias!;
        var tensors = SafeTensors.Read(weightsPath);
        try
        {
            var problems = new List<string>();
            foreach (var key in tensors.Keys.Where(k => !expected.ContainsKey(k))) problems.Add($"unexpected key '{key}'");
            foreach (var (key, p) in expected)
            {
                if (!tensors.TryGetValue(key, out var t)) { problems.Add($"missing key '{key}'"); continue; }
                if (!t.shape.SequenceEqual(p.shape)) { problems.Add($"'{key}' has shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", p.shape)}]"); continue; }
                using (no_grad()) p.copy_(t.to_type(p.dtype));
            }
            if (problems.Count > 0) throw new InvalidDataException($"'{weightsPath}' does not match the model: {string.Join("; ", problems)}.");
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    static string TargetName(string prefix)
    {
        // bert.encoder.layer.0.attention.self.query → query; …attention.output.dense → attention.output; …intermediate.dense → intermediate; …output.dense → output
        var parts = prefix.Split('.');
        return parts[^1] switch
        {
            "query" or "key" or "value" => parts[^1],
            "dense" when parts[^2] == "output" && parts[^3] == "attention" => "attention.output",
            "dense" => parts[^2],
            _ => parts[^1],
        };
    }
}
