using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Onnx;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Bert;

/// <summary>The compression operations applied to a <see cref="BertForSequenceClassification"/>.</summary>
internal static class BertCompression
{
    /// <summary>Writes the model as ONNX (see <see cref="BertOnnxExporter"/>); returns the file size.</summary>
    public static long ExportOnnx(BertForSequenceClassification model, QuantizationOptions options, string path)
    {
        if (model.Prompt is not null) throw new NotSupportedException("Models with prompt tuning cannot be exported to ONNX (the virtual tokens are not part of the graph).");
        if (model.LoraAdapters().Any(a => !a.Lora.Merged)) throw new InvalidOperationException("Merge the LoRA adapters before exporting.");
        var c = model.Config;
        return BertOnnxExporter.Export(BertWeights.From(model.HuggingFaceWeights()),
            new BertOnnxExporter.EncoderSettings(c.HeadSize, (float)c.LayerNormEps, c.HiddenAct), options, path);
    }

    /// <summary>A magnitude pruner over the encoder's projections (not the pooler or classifier).</summary>
    public static MagnitudePruner MagnitudePruner(BertForSequenceClassification model, PruningScope scope) =>
        Pruning.MagnitudePruner.Create(model.Bert.Layers.SelectMany((layer, i) => layer.Slots().Select(s => ($"layer{i}.{s.Name}", s.Slot.Layer))), scope);

    /// <summary>
    /// Removes <paramref name="headFraction"/> of the attention heads and <paramref name="feedForwardFraction"/> of the FFN
    /// neurons of every layer; returns the heads and neurons kept per layer.
    /// </summary>
    public static IReadOnlyList<(int Heads, int Neurons)> PruneStructured(BertForSequenceClassification model, double headFraction, double feedForwardFraction)
    {
        var kept = new List<(int, int)>();
        int headSize = model.Config.HeadSize;
        foreach (var layer in model.Bert.Layers)
        {
            var slots = layer.Slots().ToDictionary(s => s.Name, s => s.Slot);
            if (slots.Values.Any(s => s.Lora is { Merged: false }))
                throw new InvalidOperationException("Merge the LoRA adapters before structured pruning.");
            int heads = (int)(slots["query"].Layer.weight!.shape[0] / headSize);
            if (headFraction > 0)
            {
                heads = StructuredPruning.PruneAttentionHeads(slots["query"].Layer, slots["key"].Layer, slots["value"].Layer,
                    slots["attention.output"].Layer, headSize, headFraction).Length;
            }
            int neurons = (int)slots["intermediate"].Layer.weight!.shape[0];
            if (feedForwardFraction > 0)
                neurons = StructuredPruning.PruneFeedForward(slots["intermediate"].Layer, slots["output"].Layer, feedForwardFraction).Length;
            kept.Add((heads, neurons));
        }
        return kept;
    }


    /// <summary>Per-layer head and FFN widths as stored in the weights (differs from the config after structured pruning).</summary>
    public static IReadOnlyList<(int Heads, int Neurons)> Widths(BertForSequenceClassification model) =>
        model.Bert.Layers.Select(l =>
        {
            var slots = l.Slots().ToDictionary(s => s.Name, s => s.Slot.Layer);
            return ((int)(slots["query"].weight!.shape[0] / model.Config.HeadSize), (int)slots["intermediate"].weight!.shape[0]);
        }).ToList();

    /// <summary>The student config for <paramref name="options"/>: fewer layers and optionally a narrower encoder.</summary>
    public static BertConfig StudentConfig(BertConfig teacher, DistillationOptions options)
    {
        options.Validate();
        // Capped at the teacher's depth, so one sweep range (1–12) serves teachers of any depth.
        int layers = Math.Min(options.StudentLayers ?? Math.Max(1, teacher.NumHiddenLayers / 2), teacher.NumHiddenLayers);
        int hidden = options.StudentHiddenSize ?? teacher.HiddenSize;
        int heads = options.StudentAttentionHeads ?? Math.Max(1, hidden / teacher.HeadSize);
        if (hidden % heads != 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"StudentHiddenSize {hidden} is not a multiple of StudentAttentionHeads {heads}.");
        int intermediate = options.StudentIntermediateSize ?? (hidden == teacher.HiddenSize ? teacher.IntermediateSize : 4 * hidden);
        return teacher with
        {
            NumHiddenLayers = layers, HiddenSize = hidden, NumAttentionHeads = heads, IntermediateSize = intermediate,
            LayerAttentionHeads = null, LayerIntermediateSizes = null, // a student has uniform layers
        };
    }

    /// <summary>Builds the student (seeded HF initialisation) and copies every teacher tensor whose shape allows; returns it and the copied names.</summary>
    public static (BertForSequenceClassification Student, IReadOnlyList<string> Initialized) CreateStudent(
        BertForSequenceClassification teacher, DistillationOptions options)
    {
        var config = StudentConfig(teacher.Config, options);
        var student = new BertForSequenceClassification(config, teacher.Compute.Copy());
        student.InitializeWeights(new Generator((ulong)options.Seed));
        var copied = StudentInitializer.Initialize(teacher.HuggingFaceWeights(), student.HuggingFaceWeights());
        return (student, copied);
    }

    /// <summary>A deep copy with the same (possibly pruned) shapes, so compression never changes the model it starts from.</summary>
    public static BertForSequenceClassification Clone(BertForSequenceClassification source)
    {
        var copy = new BertForSequenceClassification(source.Config, source.Compute.Copy());
        using var _ = no_grad();
        var widths = Widths(source);
        for (int i = 0; i < source.Bert.Layers.Count; i++)
        {
            var from = source.Bert.Layers[i].Slots().ToDictionary(s => s.Name, s => s.Slot.Layer);
            foreach (var (name, slot) in copy.Bert.Layers[i].Slots())
            {
                var src = from[name];
                slot.Layer.weight = new TorchSharp.Modules.Parameter(src.weight!.detach().clone(), src.weight!.requires_grad);
                if (src.bias is not null) slot.Layer.bias = new TorchSharp.Modules.Parameter(src.bias.detach().clone(), src.bias.requires_grad);
                slot.Layer.in_features = src.weight!.shape[1];
                slot.Layer.out_features = src.weight!.shape[0];
            }
        }
        var sourceParameters = source.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in copy.named_parameters())
            if (!ReferenceEquals(p, sourceParameters[name]) && p.shape.SequenceEqual(sourceParameters[name].shape)) p.copy_(sourceParameters[name]);
        copy.to(source.Bert.Embeddings.WordEmbeddings.weight!.device);
        copy.eval();
        return copy;
    }

    /// <summary>
    /// Fine-tunes <paramref name="model"/> (the teacher's copy, a pruned copy or a student) on <paramref name="data"/> with
    /// the shared training loop: AdamW (decay 0.01), linear warm-up over 10% of the steps then decay, clipping at 1,
    /// deterministic shuffling and dropout seeds; <paramref name="hooks"/> give the loss and per-step work.
    /// </summary>
    public static void FineTune(CompressionSource source, BertForSequenceClassification model, TrainingRows data, int epochs, double learningRate,
        int batchSize, int seed, IProgress<TrainingProgress>? progress, FineTuningHooks? hooks, CancellationToken cancellation)
    {
        if (data.Count == 0) throw new ArgumentException("The training data has no rows.");
        if (epochs <= 0) return;
        var options = new TextClassificationTrainer.Options
        {
            NumberOfEpochs = epochs,
            LearningRate = learningRate,
            BatchSize = batchSize,
            Seed = seed,
            WarmupFraction = 0.1,
            WeightDecay = 0.01,
            MaxGradNorm = 1.0,
            Progress = progress,
            CancellationToken = cancellation,
        };
        var target = new FineTuningTarget(model, source.Tokenizer, source.MaxLength, source.Device, source.Binary ? TextTask.Binary : TextTask.Multiclass);
        FineTuner.Train(target, data, null, options, fingerprint: "", hooks);
    }

    /// <summary>Logits of every row (no gradient, eval mode), row-major [rows × labels].</summary>
    public static float[][] Logits(BertForSequenceClassification model, BertTextTokenizer tokenizer, IReadOnlyList<string> texts,
        IReadOnlyList<string>? pairs, int maxLength, Device device, int batchSize = 32)
    {
        model.eval();
        using var _ = no_grad();
        var result = new float[texts.Count][];
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(batchSize, texts.Count - start);
            var encoded = tokenizer.Encode(texts.Skip(start).Take(n).ToArray(), pairs?.Skip(start).Take(n).ToArray(), maxLength);
            var (ids, mask, types) = encoded.ToTensors(device);
            var logits = model.Forward(ids, mask, types).cpu();
            var flat = logits.data<float>().ToArray();
            int k = (int)logits.shape[1];
            for (int i = 0; i < n; i++) result[start + i] = flat.AsSpan(i * k, k).ToArray();
        }
        return result;
    }
}
