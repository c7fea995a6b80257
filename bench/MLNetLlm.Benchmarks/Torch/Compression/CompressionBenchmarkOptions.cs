using MLNetLlm.Torch;
using MLNetLlm.Torch.Compression;
namespace MLNetLlm.Benchmarks.Torch.Compression;

/// <summary>Settings of <see cref="CompressionBenchmark"/>.</summary>
public sealed class CompressionBenchmarkOptions
{
    /// <summary>Training CSV (columns Text, Label = spam/ham). Default <c>data/spam/full/train.csv</c>.</summary>
    public string TrainPath { get; set; } = "data/spam/full/train.csv";

    /// <summary>Test CSV (same columns). Default <c>data/spam/full/test.csv</c>.</summary>
    public string TestPath { get; set; } = "data/spam/full/test.csv";

    /// <summary>Use at most this many training rows (first rows of the file; 0 = all). Default 0.</summary>
    public int MaxTrainRows { get; set; }

    /// <summary>Teacher checkpoint (HF BERT directory); null (default) trains the teacher from scratch with the sizes below.</summary>
    public string? PretrainedModelPath { get; set; }

    /// <summary>From-scratch teacher: layers (default 4), hidden width (256), heads (4), FFN width (1024).</summary>
    public int TeacherLayers { get; set; } = 4;
    public int TeacherHiddenSize { get; set; } = 256;
    public int TeacherAttentionHeads { get; set; } = 4;
    public int TeacherIntermediateSize { get; set; } = 1024;

    /// <summary>Teacher fine-tuning epochs (default 2) and tokens per row (default 128).</summary>
    public int Epochs { get; set; } = 2;
    public int MaxLength { get; set; } = 128;

    /// <summary>Threads for training and for every latency measurement (default 2).</summary>
    public int Threads { get; set; } = 2;

    /// <summary>Single-row calls timed for batch-1 latency (default 30) and 32-row calls for batch-32 latency (default 6).</summary>
    public int Batch1Repeats { get; set; } = 30;
    public int Batch32Repeats { get; set; } = 6;

    /// <summary>Also time a randomly initialised BERT-base-shaped model (12×768, 30522 vocabulary; size and latency only). Default true.</summary>
    public bool BertBaseShape { get; set; } = true;

    /// <summary>Timed calls per variant for the BERT-base shape at batch 1 (default 5) and batch 32 (default 2), after one warm-up call.</summary>
    public int BertBaseBatch1Repeats { get; set; } = 5;
    public int BertBaseBatch32Repeats { get; set; } = 2;

    /// <summary>
    /// When set, the BERT-base ONNX sessions write ONNX Runtime's per-node profile and optimized graph to this folder, plus
    /// a per-operator-type time table per variant (<c>profile-*.md</c>). Default null (no profiling: it adds overhead).
    /// </summary>
    public string? ProfileDirectory { get; set; }

    /// <summary>
    /// Time only the BERT-base variants whose name contains one of these strings (e.g. <c>int8</c>); the TorchSharp row is
    /// named <c>fp32 TorchSharp</c>. Default empty: all variants.
    /// </summary>
    public IReadOnlyList<string> BertBaseVariants { get; set; } = [];

    /// <summary>Folder for the model files whose sizes are reported. Default a temporary folder.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Progress lines (null: none).</summary>
    public TextWriter? Log { get; set; }
}
