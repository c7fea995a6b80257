using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Onnx;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Models;
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
        var student = new BertForSequenceClassification(config, teacher.Compute);
        student.InitializeWeights(new Generator((ulong)options.Seed));
        var copied = StudentInitializer.Initialize(teacher.HuggingFaceWeights(), student.HuggingFaceWeights());
        return (student, copied);
    }

    /// <summary>A deep copy with the same (possibly pruned) shapes, so compression never changes the model it starts from.</summary>
    public static BertForSequenceClassification Clone(BertForSequenceClassification source)
    {
        var copy = new BertForSequenceClassification(source.Config, source.Compute);
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
    /// Logits and the output of every encoder layer ([B, T, H] each): the same computation as the model's forward
    /// (eval or train mode as set), exposing the per-layer states the hidden-state distillation loss needs.
    /// </summary>
    public static (Tensor Logits, IReadOnlyList<Tensor> Hidden) ForwardWithLayers(BertForSequenceClassification model, Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        if (model.Prompt is not null) throw new NotSupportedException("Hidden-state distillation does not support prompt-tuned models.");
        var bert = model.Bert;
        var x = bert.Embeddings.Forward(bert.Embeddings.WordEmbeddings.forward(inputIds), tokenTypeIds);
        var additive = (1.0f - attentionMask.to_type(ScalarType.Float32)).mul(float.MinValue).unsqueeze(1).unsqueeze(1);
        var hidden = new List<Tensor>();
        foreach (var layer in bert.Layers)
        {
            x = layer.Forward(x, additive);
            hidden.Add(x);
        }
        var pooler = bert.named_children().Single(c => c.name == "pooler").module as BertPooler
            ?? throw new InvalidOperationException("BertModel has no pooler module.");
        var pooled = nn.functional.dropout(pooler.Forward(x), model.Config.ClassifierDropout ?? model.Config.HiddenDropoutProb, model.training);
        return (model.Compute.Linear(model.Classifier, pooled), hidden);
    }
}
