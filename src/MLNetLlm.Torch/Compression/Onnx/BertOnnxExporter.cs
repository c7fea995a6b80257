using MLNetLlm.Torch.Compression.Quantization;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Onnx;

/// <summary>
/// Writes a BERT sequence classifier (Hugging Face parameter names) as an ONNX model for ONNX Runtime, in float32 or with
/// int8 Linear layers. Inputs <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c> (int64, [batch, sequence]);
/// outputs <c>logits</c> and <c>probabilities</c> ([batch, labels]). The file plugs into ML.NET through
/// <c>ApplyOnnxModel</c> and into <see cref="OnnxSequenceClassifier"/>.
/// </summary>
/// <remarks>
/// Dynamic int8 uses the operator pattern ONNX Runtime fuses into its DynamicQuantizeMatMul kernel:
/// <c>DynamicQuantizeLinear → MatMulInteger → Cast → Mul(x_scale · w_scale) → Add(bias)</c>, with weights int8, symmetric,
/// one scale per output channel. Weight-only int8 stores int8 weights and scales and dequantizes them with
/// <c>Cast → Mul</c> on constants, which ONNX Runtime folds once at session start. With
/// <see cref="QuantizationOptions.UseContribOperators"/> (default) the self-attention of each layer is one ONNX Runtime
/// <c>QAttention</c> (int8) or <c>Attention</c> (float) node with packed Q/K/V weights, and int8 Linear layers are written
/// as <c>DynamicQuantizeMatMul</c> directly.
/// </remarks>
public static class BertOnnxExporter
{
    /// <summary>ONNX opset written (LayerNormalization needs 17).</summary>
    public const int Opset = 17;

    /// <summary>
    /// Exports <paramref name="stateDict"/> (HF names, e.g. a model's <c>state_dict()</c>) to <paramref name="path"/>;
    /// returns the file size in bytes.
    /// </summary>
    /// <param name="stateDict">The weights; per-layer widths (pruned heads and neurons) are read from their shapes.</param>
    /// <param name="attentionHeadSize">Width of one attention head (hidden size / heads of the original config).</param>
    /// <param name="options">Quantization settings.</param>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="layerNormEpsilon">The config's LayerNorm epsilon (BERT: 1e-12).</param>
    /// <param name="activation">The config's <c>hidden_act</c>: <c>gelu</c>, <c>gelu_new</c>/<c>gelu_pytorch_tanh</c> or <c>relu</c>.</param>
    public static long Export(IReadOnlyDictionary<string, Tensor> stateDict, int attentionHeadSize, QuantizationOptions options, string path,
        double layerNormEpsilon = 1e-12, string activation = "gelu") =>
        Export(BertWeights.From(stateDict), new EncoderSettings(attentionHeadSize, (float)layerNormEpsilon, activation), options, path);

    internal static long Export(BertWeights weights, EncoderSettings encoder, QuantizationOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options.Validate();
        if (encoder.HeadSize <= 0)
            throw new ArgumentException($"The attention head size must be > 0 (hidden size / attention heads); got {encoder.HeadSize}.");
        if (encoder.Activation is not ("gelu" or "gelu_new" or "gelu_pytorch_tanh" or "relu"))
            throw new ArgumentException($"Activation '{encoder.Activation}' cannot be exported (gelu, gelu_new, gelu_pytorch_tanh, relu).");
        if (!weights.HasClassifier)
            throw new ArgumentException("The state dict has no 'classifier.weight': only sequence classifiers are exported.");
        var graph = new BertGraph(weights, encoder, options);
        graph.Build();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using (var stream = File.Create(path))
        {
            graph.Builder.Save(stream, "bert_sequence_classifier", Opset, new Dictionary<string, string>
            {
                ["mlnetllm.quantization"] = options.Mode.ToString(),
                ["mlnetllm.layers"] = weights.LayerCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }
        return new FileInfo(path).Length;
    }

    /// <summary>What the weights do not tell: head width, LayerNorm epsilon, FFN activation.</summary>
    internal sealed record EncoderSettings(int HeadSize, float LayerNormEpsilon, string Activation);

    private sealed class BertGraph(BertWeights w, EncoderSettings e, QuantizationOptions o)
    {
        public OnnxGraphBuilder Builder { get; } = new();
        private readonly Dictionary<string, (string Q, string Scale, string ZeroPoint)> _quantizedInputs = new(StringComparer.Ordinal);
        private int MaxLevel => o.ReduceRange ? Int8Quantizer.ReducedRange : Int8Quantizer.FullRange;

        public void Build()
        {
            var b = Builder;
            b.Input("input_ids", OnnxType.Int64, "batch", "sequence");
            b.Input("attention_mask", OnnxType.Int64, "batch", "sequence");
            b.Input("token_type_ids", OnnxType.Int64, "batch", "sequence");

            string x = Embeddings();
            if (o.UseContribOperators)
            {
                string mask = b.Node("Cast", ["attention_mask"], "attention_mask_int32", OnnxAttribute.Of("to", (long)OnnxType.Int32));
                for (int layer = 0; layer < w.LayerCount; layer++) x = FusedLayer(layer, x, mask);
            }
            else
            {
                string mask = AttentionBias();
                for (int layer = 0; layer < w.LayerCount; layer++) x = Layer(layer, x, mask);
            }

            string cls = b.Node("Gather", [x, b.Scalar("cls_index", 0L)], "cls", OnnxAttribute.Of("axis", 1L));
            string pooled = b.Node("Tanh", [Linear(cls, "pooler.dense")], "pooled");
            var classifier = w.GetExact("classifier.weight");
            string logits = Linear(pooled, classifier, w.GetExact("classifier.bias"), "classifier", output: "logits");
            b.Node("Softmax", [logits], "probabilities", OnnxAttribute.Of("axis", -1L));
            b.Output("logits", OnnxType.Float, "batch", (long)classifier.Rows);
            b.Output("probabilities", OnnxType.Float, "batch", (long)classifier.Rows);
        }

        private string Embeddings()
        {
            var b = Builder;
            var word = w.Get("embeddings.word_embeddings.weight");
            string words;
            if (o.Mode != QuantizationMode.None && o.QuantizeEmbeddings)
            {
                var q = Int8Quantizer.QuantizeRows(word.Data, word.Rows, word.Columns, Int8Quantizer.FullRange);
                string table = b.Initializer("word_embeddings_int8", q.Values, word.Rows, word.Columns);
                string scales = b.Initializer("word_embeddings_scale", q.Scales, word.Rows, 1);
                string rowsQ = b.Node("Gather", [table, "input_ids"], null, OnnxAttribute.Of("axis", 0L));
                string rowScales = b.Node("Gather", [scales, "input_ids"], null, OnnxAttribute.Of("axis", 0L));
                string rows = b.Node("Cast", [rowsQ], null, OnnxAttribute.Of("to", (long)OnnxType.Float));
                words = b.Node("Mul", [rows, rowScales]);
            }
            else
            {
                words = b.Node("Gather", [Weight("embeddings.word_embeddings.weight"), "input_ids"], null, OnnxAttribute.Of("axis", 0L));
            }
            string shape = b.Node("Shape", ["input_ids"]);
            string length = b.Node("Gather", [shape, b.Scalar("one", 1L)], null, OnnxAttribute.Of("axis", 0L));
            string positions = b.Node("Range", [b.Scalar("zero", 0L), length, b.Scalar("step", 1L)]);
            string pos = b.Node("Gather", [Weight("embeddings.position_embeddings.weight"), positions], null, OnnxAttribute.Of("axis", 0L));
            string types = b.Node("Gather", [Weight("embeddings.token_type_embeddings.weight"), "token_type_ids"], null, OnnxAttribute.Of("axis", 0L));
            string sum = b.Node("Add", [b.Node("Add", [words, pos]), types]);
            return LayerNorm(sum, "embeddings.LayerNorm");
        }

        /// <summary>[batch, 1, 1, sequence]: 0 where attended, float.MinValue where padded (as Hugging Face does).</summary>
        private string AttentionBias()
        {
            var b = Builder;
            string m = b.Node("Cast", ["attention_mask"], null, OnnxAttribute.Of("to", (long)OnnxType.Float));
            string inverted = b.Node("Sub", [b.Scalar("one_f", 1f), m]);
            string bias = b.Node("Mul", [inverted, b.Scalar("mask_value", float.MinValue)]);
            return b.Node("Unsqueeze", [bias, b.Initializer("mask_axes", [1L, 2L], 2)], "attention_bias");
        }

        private string Layer(int i, string x, string mask)
        {
            var b = Builder;
            string p = $"encoder.layer.{i}.";
            int headSize = e.HeadSize;
            var qw = w.Get(p + "attention.self.query.weight");
            if (qw.Rows % headSize != 0)
                throw new ArgumentException($"Layer {i}: query width {qw.Rows} is not a multiple of the attention head size {headSize}.");
            // Fold 1/sqrt(head size) into the query projection: one Mul less per layer, same result.
            float scale = 1f / MathF.Sqrt(headSize);
            var qWeight = new WeightTensor(qw.Data.Select(v => v * scale).ToArray(), qw.Shape);
            var qb = w.Get(p + "attention.self.query.bias");
            var qBias = new WeightTensor(qb.Data.Select(v => v * scale).ToArray(), qb.Shape);

            long[] split = [0, 0, -1, headSize];
            string splitShape = b.Initializer("head_split", split, 4);
            string q = b.Node("Transpose", [b.Node("Reshape", [Linear(x, qWeight, qBias, $"l{i}_query"), splitShape])], null, OnnxAttribute.Of("perm", 0, 2, 1, 3));
            string k = b.Node("Transpose", [b.Node("Reshape", [Linear(x, p + "attention.self.key"), splitShape])], null, OnnxAttribute.Of("perm", 0, 2, 3, 1));
            string v = b.Node("Transpose", [b.Node("Reshape", [Linear(x, p + "attention.self.value"), splitShape])], null, OnnxAttribute.Of("perm", 0, 2, 1, 3));
            string scores = b.Node("Add", [b.Node("MatMul", [q, k]), mask]);
            string probs = b.Node("Softmax", [scores], null, OnnxAttribute.Of("axis", -1L));
            string context = b.Node("Transpose", [b.Node("MatMul", [probs, v])], null, OnnxAttribute.Of("perm", 0, 2, 1, 3));
            string merged = b.Node("Reshape", [context, b.Initializer("head_merge", [0L, 0L, -1L], 3)]);
            string attention = LayerNorm(b.Node("Add", [Linear(merged, p + "attention.output.dense"), x]), p + "attention.output.LayerNorm");

            string inner = Activation(Linear(attention, p + "intermediate.dense"));
            return LayerNorm(b.Node("Add", [Linear(inner, p + "output.dense"), attention]), p + "output.LayerNorm");
        }

        /// <summary>
        /// One encoder layer with ONNX Runtime's attention contrib operator: Q, K and V packed into one [in, 3·hidden]
        /// weight of a QAttention (int8: one activation quantization, one GEMM batch, attention in the same kernel) or
        /// Attention (float) node, replacing three projections, four Reshape/Transpose pairs, two MatMuls and the Softmax.
        /// </summary>
        private string FusedLayer(int i, string x, string mask)
        {
            var b = Builder;
            string p = $"encoder.layer.{i}.";
            var (qw, kw, vw) = (w.Get(p + "attention.self.query.weight"), w.Get(p + "attention.self.key.weight"), w.Get(p + "attention.self.value.weight"));
            if (qw.Rows % e.HeadSize != 0 || qw.Rows == 0)
                throw new ArgumentException($"Layer {i}: query width {qw.Rows} is not a positive multiple of the attention head size {e.HeadSize}.");
            if (kw.Rows != qw.Rows || vw.Rows != qw.Rows || kw.Columns != qw.Columns || vw.Columns != qw.Columns)
                throw new ArgumentException($"Layer {i}: query, key and value weights differ in shape ({qw.Rows}×{qw.Columns}, {kw.Rows}×{kw.Columns}, {vw.Rows}×{vw.Columns}).");
            // [3·hidden, in] rows Q|K|V: as a Linear weight its transpose is the [in, 3·hidden] packed weight (Attention's
            // column order: all Q heads, then K, then V). The 1/√d scale is the operator's default, so it is not folded here.
            var qkvWeight = new WeightTensor([.. qw.Data, .. kw.Data, .. vw.Data], [3L * qw.Rows, qw.Columns]);
            var qkvBias = new WeightTensor([.. w.Get(p + "attention.self.query.bias").Data, .. w.Get(p + "attention.self.key.bias").Data,
                .. w.Get(p + "attention.self.value.bias").Data], [3L * qw.Rows]);
            var heads = OnnxAttribute.Of("num_heads", (long)(qw.Rows / e.HeadSize));
            string attention;
            string biasName = b.Initializer($"l{i}_qkv.bias", qkvBias.Data, qkvBias.Rows);
            if (o.Mode == QuantizationMode.DynamicInt8)
            {
                var (wq, ws) = QuantizedWeight(qkvWeight, $"l{i}_qkv");
                var (xq, xs, xz) = QuantizedInput(x);
                attention = b.MicrosoftNode("QAttention", [xq, wq, biasName, xs, ws, mask, xz], null, heads);
            }
            else
            {
                attention = b.MicrosoftNode("Attention", [x, FloatWeight(qkvWeight, $"l{i}_qkv"), biasName, mask], null, heads);
            }
            // The rest of the layer as in the standard form, with the bias inside the (DynamicQuantize)MatMul node:
            // measured on BERT-base, ONNX Runtime 1.31's SkipLayerNormalization and BiasGelu CPU kernels were slower than
            // Add + LayerNormalization and Gelu (see docs/compression.md).
            string h = LayerNorm(b.Node("Add", [Linear(attention, p + "attention.output.dense"), x]), p + "attention.output.LayerNorm");
            string inner = Activation(Linear(h, p + "intermediate.dense"));
            return LayerNorm(b.Node("Add", [Linear(inner, p + "output.dense"), h]), p + "output.LayerNorm");
        }

        /// <summary>Wᵀ [in, out] as float32 (fp32) or int8 with per-column scales dequantized by constants (weight-only int8).</summary>
        private string FloatWeight(WeightTensor weight, string stem)
        {
            var b = Builder;
            int outF = weight.Rows, inF = weight.Columns;
            if (o.Mode == QuantizationMode.None) return b.Initializer(stem + ".weight_t", Transpose(weight.Data, outF, inF), inF, outF);
            var (wq, ws) = QuantizedWeight(weight, stem);
            return b.Node("Mul", [b.Node("Cast", [wq], null, OnnxAttribute.Of("to", (long)OnnxType.Float)), ws]);
        }

        /// <summary>Wᵀ [in, out] as int8 with one symmetric scale per output column.</summary>
        private (string Values, string Scales) QuantizedWeight(WeightTensor weight, string stem)
        {
            int outF = weight.Rows, inF = weight.Columns;
            var q = Int8Quantizer.QuantizeRows(weight.Data, outF, inF, MaxLevel);
            return (Builder.Initializer(stem + ".weight_int8", q.TransposedValues(), inF, outF), Builder.Initializer(stem + ".weight_scale", q.Scales, outF));
        }

        private string Activation(string x)
        {
            var b = Builder;
            string half = b.Node("Mul", [x, b.Scalar("half", 0.5f)]);
            switch (e.Activation)
            {
                case "relu":
                    return b.Node("Relu", [x]);
                case "gelu":
                {
                    // 0.5·x·(1 + erf(x/√2)); ONNX Runtime fuses this into its Gelu kernel.
                    string erf = b.Node("Erf", [b.Node("Div", [x, b.Scalar("sqrt2", MathF.Sqrt(2f))])]);
                    return b.Node("Mul", [half, b.Node("Add", [erf, b.Scalar("one_g", 1f)])]);
                }
                default:
                {
                    // tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
                    string cube = b.Node("Mul", [b.Node("Mul", [x, x]), x]);
                    string inner = b.Node("Add", [x, b.Node("Mul", [cube, b.Scalar("gelu_c", 0.044715f)])]);
                    string t = b.Node("Tanh", [b.Node("Mul", [inner, b.Scalar("gelu_k", MathF.Sqrt(2f / MathF.PI))])]);
                    return b.Node("Mul", [half, b.Node("Add", [t, b.Scalar("one_g", 1f)])]);
                }
            }
        }

        private string LayerNorm(string x, string name) =>
            Builder.Node("LayerNormalization", [x, Weight(name + ".weight"), Weight(name + ".bias")], null,
                OnnxAttribute.Of("axis", -1L), OnnxAttribute.Of("epsilon", e.LayerNormEpsilon));

        private string Weight(string name)
        {
            var t = w.Get(name);
            return Builder.Initializer(name, t.Data, t.Shape);
        }

        private string Linear(string x, string name) => Linear(x, w.Get(name + ".weight"), w.Get(name + ".bias"), name);

        /// <summary>x·Wᵀ + b for a weight [out, in], in the configured arithmetic.</summary>
        private string Linear(string x, WeightTensor weight, WeightTensor bias, string stem, string? output = null)
        {
            var b = Builder;
            int outF = weight.Rows;
            if (bias.Data.Length != outF) throw new ArgumentException($"'{stem}': bias has {bias.Data.Length} values for {outF} outputs.");
            string biasName = b.Initializer(stem + ".bias", bias.Data, outF);
            switch (o.Mode)
            {
                case QuantizationMode.None:
                case QuantizationMode.WeightOnlyInt8:
                    return b.Node("Add", [b.Node("MatMul", [x, FloatWeight(weight, stem)]), biasName], output);
                case QuantizationMode.DynamicInt8:
                {
                    var (wq, ws) = QuantizedWeight(weight, stem);
                    if (o.UseContribOperators) return b.MicrosoftNode("DynamicQuantizeMatMul", [x, wq, ws, "", biasName], output);
                    var (xq, xs, xz) = QuantizedInput(x);
                    string acc = b.Node("MatMulInteger", [xq, wq, xz]);
                    string accF = b.Node("Cast", [acc], null, OnnxAttribute.Of("to", (long)OnnxType.Float));
                    string scale = b.Node("Mul", [xs, ws]);
                    return b.Node("Add", [b.Node("Mul", [accF, scale]), biasName], output);
                }
                default:
                    throw new ArgumentOutOfRangeException(nameof(o), o.Mode, "Unknown quantization mode.");
            }
        }

        /// <summary>One DynamicQuantizeLinear per activation, shared by every Linear that reads it (Q, K and V).</summary>
        private (string Q, string Scale, string ZeroPoint) QuantizedInput(string x)
        {
            if (_quantizedInputs.TryGetValue(x, out var cached)) return cached;
            var b = Builder;
            var outs = b.NodeMulti("DynamicQuantizeLinear", [x], [b.Unique(x + "_q"), b.Unique(x + "_scale"), b.Unique(x + "_zero_point")]);
            var result = (outs[0], outs[1], outs[2]);
            _quantizedInputs[x] = result;
            return result;
        }

        private static float[] Transpose(float[] m, int rows, int cols)
        {
            var t = new float[m.Length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
            return t;
        }
    }
}
