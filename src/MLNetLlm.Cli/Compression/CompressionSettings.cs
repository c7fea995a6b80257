using System.Globalization;
using Microsoft.ML;
using MLNetLlm.Torch.Compression;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Compression.Quantization;
using MLNetLlm.Torch.Devices;

namespace MLNetLlm.Cli.Compression;

/// <summary>
/// What <c>compress</c> was asked to do: the method and the options of MLNetLlm.Torch's quantization, pruning or
/// distillation step. A null value means "the library's default". Options that belong to another method are an error,
/// so a typo such as <c>--method quantize --sparsity 0.5</c> is not silently ignored.
/// </summary>
internal sealed class CompressionSettings
{
    /// <summary>The methods <see cref="Method"/> may name.</summary>
    public static readonly string[] Methods = ["quantize", "prune", "distill"];

    /// <summary>The values of <see cref="Mode"/>.</summary>
    public static readonly string[] Modes = ["none", "dynamic-int8", "weight-only-int8"];

    /// <summary>quantize, prune or distill.</summary>
    public string Method { get; set; } = "quantize";

    /// <summary>How the compressed model's Linear layers are stored and run: none (float32), dynamic-int8 or weight-only-int8.
    /// Default dynamic-int8 for quantize, none for prune and distill (dynamic-int8 there combines the step with quantization).</summary>
    public string? Mode { get; set; }

    /// <summary>prune: fraction of encoder weights set to zero (0–0.99; library default 0.5).</summary>
    public double? Sparsity { get; set; }

    /// <summary>prune: global or per-layer ranking.</summary>
    public string? Scope { get; set; }

    /// <summary>prune: fraction of attention heads removed per layer (0–0.99).</summary>
    public double? HeadFraction { get; set; }

    /// <summary>prune: fraction of FFN neurons removed per layer (0–0.99).</summary>
    public double? FeedForwardFraction { get; set; }

    /// <summary>distill: student encoder layers (default half the teacher's).</summary>
    public int? StudentLayers { get; set; }

    /// <summary>distill: student hidden width (default the teacher's).</summary>
    public int? StudentHiddenSize { get; set; }

    /// <summary>distill: softening temperature (1–20).</summary>
    public double? Temperature { get; set; }

    /// <summary>distill: weight of the soft-target loss (0–1).</summary>
    public double? Alpha { get; set; }

    /// <summary>distill: weight of the hidden-state loss (0–1).</summary>
    public double? HiddenStateWeight { get; set; }

    /// <summary>prune: recovery fine-tuning epochs (0–20); distill: student training epochs (1–50).</summary>
    public int? Epochs { get; set; }

    /// <summary>prune/distill: peak learning rate.</summary>
    public double? LearningRate { get; set; }

    /// <summary>prune/distill: rows per batch.</summary>
    public int? BatchSize { get; set; }

    /// <summary>ONNX Runtime (and TorchSharp) threads; 0 = the libraries' defaults.</summary>
    public int Threads { get; set; }

    /// <summary>Training device of prune/distill: auto, cpu or cuda[:N].</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Seed of prune/distill.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Whether the method fine-tunes and so needs labeled training data.</summary>
    public bool Trains => Method != "quantize";

    /// <summary>Checks the values, naming the option at fault.</summary>
    public void Validate()
    {
        if (!Methods.Contains(Method)) throw new CliException($"--method must be one of {string.Join(", ", Methods)}, not '{Method}'.");
        if (Mode != null && !Modes.Contains(Mode)) throw new CliException($"--mode must be one of {string.Join(", ", Modes)}, not '{Mode}'.");
        if (Method != "quantize" && Mode == "weight-only-int8")
            throw new CliException($"--mode weight-only-int8 is for --method quantize; {Method} supports none or dynamic-int8.");
        Only("prune", ("--sparsity", Sparsity), ("--scope", Scope), ("--head-fraction", HeadFraction), ("--ffn-fraction", FeedForwardFraction));
        Only("distill", ("--student-layers", StudentLayers), ("--student-hidden", StudentHiddenSize), ("--temperature", Temperature),
            ("--alpha", Alpha), ("--hidden-weight", HiddenStateWeight));
        if (Method == "quantize")
            foreach (var (name, value) in new (string, object?)[] { ("--epochs", Epochs), ("--learning-rate", LearningRate), ("--batch-size", BatchSize) })
                if (value != null) throw new CliException($"{name} is for --method prune or distill (quantize does not train).");
        Fraction("--sparsity", Sparsity);
        Fraction("--head-fraction", HeadFraction);
        Fraction("--ffn-fraction", FeedForwardFraction);
        if (Scope is not (null or "global" or "per-layer")) throw new CliException($"--scope must be global or per-layer, not '{Scope}'.");
        if (StudentLayers is < 1 or > 48) throw new CliException($"--student-layers must be between 1 and 48, not {StudentLayers}.");
        if (StudentHiddenSize is < 8 or > 4096) throw new CliException($"--student-hidden must be between 8 and 4096, not {StudentHiddenSize}.");
        if (Temperature is { } t && !(t >= 1 && t <= 20)) throw new CliException($"--temperature must be between 1 and 20, not {Num(t)}.");
        if (Alpha is { } a && !(a >= 0 && a <= 1)) throw new CliException($"--alpha must be between 0 and 1, not {Num(a)}.");
        if (HiddenStateWeight is { } h && !(h >= 0 && h <= 1)) throw new CliException($"--hidden-weight must be between 0 and 1, not {Num(h)}.");
        if (Epochs is { } e && (Method == "prune" ? e is < 0 or > 20 : e is < 1 or > 50))
            throw new CliException($"--epochs must be between {(Method == "prune" ? "0 and 20" : "1 and 50")} for {Method}, not {e}.");
        if (LearningRate is { } lr && !(lr > 0 && lr < 1)) throw new CliException($"--learning-rate must be between 0 and 1, not {Num(lr)}.");
        if (BatchSize is < 1 or > 512) throw new CliException($"--batch-size must be between 1 and 512, not {BatchSize}.");
        if (Threads is < 0 or > 256) throw new CliException($"--threads must be between 0 (library default) and 256, not {Threads}.");
        string device = Device.Split(':')[0];
        if (!TorchDevice.Choices.Contains(device))
            throw new CliException($"--device must be one of {string.Join(", ", TorchDevice.Choices)} (or cuda:N), not '{Device}'.");
    }

    void Only(string method, params (string Name, object? Value)[] options)
    {
        if (Method == method) return;
        foreach (var (name, value) in options)
            if (value != null) throw new CliException($"{name} is an option of --method {method}, not of {Method}.");
    }

    static void Fraction(string name, double? value)
    {
        if (value is { } v && !(v >= 0 && v <= 0.99)) throw new CliException($"{name} must be between 0 and 0.99, not {Num(v)}.");
    }

    static string Num(double v) => v.ToString(CultureInfo.InvariantCulture);

    QuantizationMode ModeValue(QuantizationMode fallback) => Mode switch
    {
        "none" => QuantizationMode.None,
        "dynamic-int8" => QuantizationMode.DynamicInt8,
        "weight-only-int8" => QuantizationMode.WeightOnlyInt8,
        _ => fallback,
    };

    /// <summary>The compression estimator for <paramref name="classifier"/> (a fitted BERT text classifier reading the one or two
    /// <paramref name="textColumns"/>).</summary>
    public IEstimator<CompressedTextClassificationTransformer> Estimator(MLContext ml, ITransformer classifier, IReadOnlyList<string> textColumns, string labelColumn)
    {
        T Columns<T>(T o) where T : CompressionOptions
        {
            o.TextColumnName = textColumns[0];
            o.SecondTextColumnName = textColumns.Count > 1 ? textColumns[1] : null;
            o.LabelColumnName = labelColumn;
            o.Threads = Threads;
            o.Device = Device;
            return o;
        }
        switch (Method)
        {
            case "quantize":
                return ml.Llm().Quantize(classifier, Columns(new QuantizationOptions { Mode = ModeValue(QuantizationMode.DynamicInt8) }));
            case "prune":
            {
                var o = Columns(new PruningOptions { Quantization = ModeValue(QuantizationMode.None), Seed = Seed });
                if (Sparsity is { } s) o.Sparsity = s;
                if (Scope != null) o.Scope = Scope == "global" ? PruningScope.Global : PruningScope.PerLayer;
                if (HeadFraction is { } hf) o.HeadFraction = hf;
                if (FeedForwardFraction is { } ff) o.FeedForwardFraction = ff;
                if (Epochs is { } e) o.RecoveryEpochs = e;
                if (LearningRate is { } lr) o.LearningRate = lr;
                if (BatchSize is { } bs) o.BatchSize = bs;
                return ml.Llm().Prune(classifier, o);
            }
            default:
            {
                var o = Columns(new DistillationOptions
                {
                    Quantization = ModeValue(QuantizationMode.None), StudentLayers = StudentLayers, StudentHiddenSize = StudentHiddenSize, Seed = Seed,
                });
                if (Temperature is { } t) o.Temperature = t;
                if (Alpha is { } a) o.Alpha = a;
                if (HiddenStateWeight is { } h) o.HiddenStateWeight = h;
                if (Epochs is { } e) o.NumberOfEpochs = e;
                if (LearningRate is { } lr) o.LearningRate = lr;
                if (BatchSize is { } bs) o.BatchSize = bs;
                return ml.Llm().Distill(classifier, o);
            }
        }
    }

    /// <summary>The step as one line for reports, e.g. <c>prune (sparsity 0.5, mode none)</c>.</summary>
    public string Describe()
    {
        var parts = new List<string> { $"mode {Mode ?? (Method == "quantize" ? "dynamic-int8" : "none")}" };
        void Add(string name, object? value)
        {
            if (value != null) parts.Add($"{name} {Convert.ToString(value, CultureInfo.InvariantCulture)}");
        }
        Add("sparsity", Sparsity);
        Add("scope", Scope);
        Add("head fraction", HeadFraction);
        Add("ffn fraction", FeedForwardFraction);
        Add("student layers", StudentLayers);
        Add("student hidden", StudentHiddenSize);
        Add("temperature", Temperature);
        Add("alpha", Alpha);
        Add("hidden weight", HiddenStateWeight);
        Add("epochs", Epochs);
        Add("learning rate", LearningRate);
        Add("batch size", BatchSize);
        return $"{Method} ({string.Join(", ", parts)})";
    }
}
