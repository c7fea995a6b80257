using System.Text.Json;
using System.Text.Json.Nodes;
using MLNetLlm.Torch.Adapters;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Continual;
using MLNetLlm.Torch.Devices;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Training;

/// <summary>The prediction task of a <see cref="TextModel"/>, which fixes its head size and loss.</summary>
internal enum TextTask { Binary, Multiclass, Regression }

/// <summary>
/// A tokenizer + BERT sequence model + task, trained by <see cref="FineTuner"/> and used for batch inference. Saved
/// as a HF directory (LoRA merged) plus <c>prompt.safetensors</c>, LoRA adapter files and <c>text-model.json</c>.
/// </summary>
internal sealed class TextModel : ITextPredictor, IDisposable
{
    public const string SettingsFile = "text-model.json";
    public const string PromptFile = "prompt.safetensors";
    readonly object _lock = new();

    TextModel(BertForSequenceClassification model, BertTextTokenizer tokenizer, TextTask task, int maxLength, Device device, FineTuningMode mode)
    {
        Model = model;
        Tokenizer = tokenizer;
        Task = task;
        MaxLength = maxLength;
        Device = device;
        Mode = mode;
    }

    public BertForSequenceClassification Model { get; }
    public BertTextTokenizer Tokenizer { get; }
    public TextTask Task { get; }
    public int MaxLength { get; }
    public Device Device { get; }
    public FineTuningMode Mode { get; }
    public CheckpointLoadReport? LoadReport { get; private init; }

    /// <summary>Fisher diagonal, anchor weights and memory reference for the next continual-learning round (owned; saved with the model).</summary>
    public ContinualState? Continual { get; set; }

    /// <summary>What <see cref="FineTuner"/> trains.</summary>
    public FineTuningTarget Target => new(Model, Tokenizer, MaxLength, Device, Task);

    /// <summary>Builds an untrained model for <paramref name="options"/>: a loaded checkpoint or a from-scratch one, with LoRA or a prompt attached.</summary>
    /// <param name="vocabularyText">Training text for a from-scratch vocabulary (ignored when <paramref name="vocabulary"/> or a checkpoint is given).</param>
    /// <param name="vocabulary">A vocabulary to reuse (resuming a from-scratch run).</param>
    public static TextModel Create(TransformerTrainingOptions options, TextTask task, IReadOnlyList<string> labels,
        Func<IEnumerable<string>> vocabularyText, IReadOnlyList<string>? vocabulary = null)
    {
        var device = TorchDevice.Resolve(options.Device);
        var compute = ComputeSettings.For(device, options.MixedPrecision);
        // Every initial weight is drawn from this generator or loaded (layer constructors' own draws from libtorch's
        // global generator are all overwritten), so creating a model neither reads nor resets the global generator.
        using var generator = new Generator((ulong)options.Seed);
        BertForSequenceClassification model;
        BertTextTokenizer tokenizer;
        CheckpointLoadReport? report = null;
        int promptExtra = options.Mode == FineTuningMode.PromptTuning ? options.PromptTokens : 0;
        string problemType = task == TextTask.Regression ? "regression" : "single_label_classification";
        if (options.PretrainedModelPath is { } path)
        {
            // A catalogue name or an .onnx file is converted once into the model cache; a HF folder is used as is.
            (model, tokenizer, report) = HuggingFaceCheckpoint.Load(Pretrained.PretrainedModels.Resolve(path), CPU, compute, labels, allowNewHead: true, generator);
            if (options.MaxLength + promptExtra > model.Config.MaxPositionEmbeddings)
                throw new ArgumentException($"MaxLength {options.MaxLength}{(promptExtra > 0 ? $" + {promptExtra} prompt tokens" : "")} exceeds the checkpoint's max_position_embeddings {model.Config.MaxPositionEmbeddings}.");
            if (model.Config.ProblemType != problemType)
            {
                var m2 = new BertForSequenceClassification(model.Config with { ProblemType = problemType }, compute);
                CopyParameters(model, m2);
                model.Dispose();
                model = m2;
            }
        }
        else
        {
            vocabulary ??= WordPieceVocabularyBuilder.Build(vocabularyText(), options.ScratchVocabularySize);
            tokenizer = BertTextTokenizer.Create(vocabulary);
            var config = BertConfig.SmallFromScratch(vocabulary.Count, labels.Count) with
            {
                HiddenSize = options.ScratchHiddenSize,
                NumHiddenLayers = options.ScratchLayers,
                NumAttentionHeads = options.ScratchAttentionHeads,
                IntermediateSize = options.ScratchIntermediateSize,
                MaxPositionEmbeddings = options.MaxLength + promptExtra,
                Labels = labels.ToArray(),
                ProblemType = problemType,
            };
            model = new BertForSequenceClassification(config, compute);
            model.InitializeWeights(generator);
        }
        switch (options.Mode)
        {
            case FineTuningMode.Lora:
                model.ApplyLora(options.LoraRank, options.LoraAlpha, options.LoraDropout, options.LoraTargetModules.ToArray(), generator);
                model.SetTrainable(n => n.Contains("_lora.", StringComparison.Ordinal) || n.StartsWith("classifier.", StringComparison.Ordinal));
                break;
            case FineTuningMode.PromptTuning:
                model.ApplyPromptTuning(options.PromptTokens, generator);
                model.SetTrainable(n => n.StartsWith("prompt.", StringComparison.Ordinal) || n.StartsWith("classifier.", StringComparison.Ordinal));
                break;
        }
        model.to(device);
        return new TextModel(model, tokenizer, task, options.MaxLength, device, options.Mode) { LoadReport = report };
    }

    static void CopyParameters(nn.Module from, nn.Module to)
    {
        var src = from.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var _ = no_grad();
        foreach (var (name, p) in to.named_parameters()) p.copy_(src[name]);
    }

    /// <summary>Raw head outputs (logits, or the regression value) per row, computed in batches without gradients.</summary>
    public float[][] Predict(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs, int batchSize) =>
        Batched(texts, pairs, batchSize, (ids, mask, types) => Model.Forward(ids, mask, types).to_type(ScalarType.Float32));

    /// <summary>Runs <paramref name="work"/> under the lock <see cref="Predict"/> takes (the module is not safe to share).</summary>
    internal T Locked<T>(Func<T> work)
    {
        lock (_lock) return work();
    }

    /// <summary>Sentence embeddings: the mean of the last hidden state over the tokens, L2-normalised, per row (float32, hidden size).</summary>
    public float[][] Embed(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs, int batchSize) =>
        Batched(texts, pairs, batchSize, (ids, mask, types) => Embeddings.SentenceEncoder.Pool(Model.Bert.Forward(ids, mask, types, null).Hidden, mask, normalize: true));

    /// <summary>
    /// <paramref name="forward"/> ([B, T] ids, mask, token types → [B, K]) over the rows in batches, in eval mode without
    /// gradients, under the model's lock; one float row of K values per text.
    /// </summary>
    float[][] Batched(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs, int batchSize, Func<Tensor, Tensor, Tensor, Tensor> forward)
    {
        var result = new float[texts.Count][];
        lock (_lock)
        {
            Model.eval();
            using var _ = no_grad();
            for (int start = 0; start < texts.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                int n = Math.Min(batchSize, texts.Count - start);
                var rows = new EncodedRow[n];
                for (int i = 0; i < n; i++) rows[i] = Tokenizer.EncodeRow(texts[start + i], pairs?[start + i], MaxLength);
                var (ids, mask, types) = Tokenizer.Collate(rows).ToTensors(Device);
                var output = forward(ids, mask, types).cpu();
                var flat = output.data<float>().ToArray();
                int k = (int)output.shape[1];
                for (int i = 0; i < n; i++) result[start + i] = flat.AsSpan(i * k, k).ToArray();
            }
        }
        return result;
    }

    /// <summary>Merges LoRA adapters into the base weights for inference (they stay available for <see cref="LoraAdapterFile"/>).</summary>
    public void MergeAdapters()
    {
        foreach (var (_, lora) in Model.LoraAdapters()) lora.Merge();
    }

    /// <summary>Writes a HF-readable directory plus prompt/adapter extras and <c>text-model.json</c>.</summary>
    public void Save(string directory)
    {
        var adapters = Model.LoraAdapters().ToList();
        bool merged = adapters.All(a => a.Lora.Merged);
        if (!merged) throw new InvalidOperationException("Merge the LoRA adapters before saving the model.");
        HuggingFaceCheckpoint.Save(directory, Model, Tokenizer);
        if (adapters.Count > 0) LoraAdapterFile.Save(Model, directory);
        if (Model.Prompt is { } prompt)
            SafeTensors.Write(Path.Combine(directory, PromptFile), new Dictionary<string, Tensor> { ["prompt.weight"] = prompt.Weight });
        var settings = new JsonObject
        {
            ["task"] = Task.ToString(),
            ["max_length"] = MaxLength,
            ["mode"] = Mode.ToString(),
            ["prompt_tokens"] = Model.Prompt?.Count ?? 0,
        };
        Continual?.Save(directory);
        File.WriteAllText(Path.Combine(directory, SettingsFile), settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Loads what <see cref="Save"/> wrote onto <paramref name="device"/>.</summary>
    public static TextModel Load(string directory, Device device, bool mixedPrecision = true)
    {
        string settingsPath = Path.Combine(directory, SettingsFile);
        if (!File.Exists(settingsPath)) throw new FileNotFoundException($"'{directory}' has no {SettingsFile}.", settingsPath);
        var s = JsonNode.Parse(File.ReadAllText(settingsPath))!.AsObject();
        var task = Enum.Parse<TextTask>(s["task"]!.GetValue<string>());
        var mode = Enum.Parse<FineTuningMode>(s["mode"]!.GetValue<string>());
        int maxLength = s["max_length"]!.GetValue<int>();
        int promptTokens = s["prompt_tokens"]?.GetValue<int>() ?? 0;
        var compute = ComputeSettings.For(device, mixedPrecision);
        var (model, tokenizer, report) = HuggingFaceCheckpoint.Load(directory, CPU, compute);
        if (promptTokens > 0)
        {
            var prompt = model.ApplyPromptTuning(promptTokens);
            var tensors = SafeTensors.Read(Path.Combine(directory, PromptFile));
            try
            {
                if (!tensors.TryGetValue("prompt.weight", out var w) || !w.shape.SequenceEqual(prompt.Weight.shape) || tensors.Count != 1)
                    throw new InvalidDataException($"'{Path.Combine(directory, PromptFile)}' must hold exactly 'prompt.weight' of shape [{string.Join(", ", prompt.Weight.shape)}].");
                using (no_grad()) prompt.Weight.copy_(w);
            }
            finally { foreach (var t in tensors.Values) t.Dispose(); }
        }
        ContinualState? continual;
        try { continual = ContinualState.Load(directory, model); }
        catch
        {
            model.Dispose();
            throw;
        }
        model.to(device);
        model.eval();
        return new TextModel(model, tokenizer, task, maxLength, device, mode) { LoadReport = report, Continual = continual };
    }

    public void Dispose()
    {
        Continual?.Dispose();
        Model.Dispose();
    }
}
