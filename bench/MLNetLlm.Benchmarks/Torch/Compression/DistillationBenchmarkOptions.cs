using MLNetLlm.Torch;
using MLNetLlm.Torch.Compression;
using MLNetLlm.Data.Cleaning;
namespace MLNetLlm.Benchmarks.Torch.Compression;

/// <summary>Settings of <see cref="DistillationBenchmark"/>.</summary>
public sealed class DistillationBenchmarkOptions
{
    /// <summary>Training CSV (columns Text, Label = spam/ham). Default <c>data/spam/full/train.csv</c>.</summary>
    public string TrainPath { get; set; } = "data/spam/full/train.csv";

    /// <summary>Test CSV (same columns). Default <c>data/spam/full/test.csv</c>.</summary>
    public string TestPath { get; set; } = "data/spam/full/test.csv";

    /// <summary>Use at most this many training rows (a seeded sample; 0 = all). Default 0.</summary>
    public int MaxTrainRows { get; set; }

    /// <summary>Teacher checkpoint (HF BERT directory, or a catalogue name such as <c>all-MiniLM-L6-v2</c>); null (default) trains the teacher from scratch with <see cref="Teacher"/>.</summary>
    public string? PretrainedModelPath { get; set; }

    /// <summary>
    /// A teacher already fine-tuned and saved with <c>TextClassificationTransformer.SaveTo</c> (e.g. by
    /// <c>mlnet-llm bench torch spam --save-model DIR</c>): loaded instead of trained, so a full-split teacher is not
    /// trained twice. Null (default): the teacher is trained here. Its training time is reported as 0.
    /// </summary>
    public string? TeacherModelPath { get; set; }

    /// <summary>How the pretrained teacher is named in the settings line (e.g. the catalogue name); null: <see cref="PretrainedModelPath"/>.</summary>
    public string? PretrainedLabel { get; set; }

    /// <summary>
    /// Text normalization applied once to the training and test mails before anything else (so teacher, students and
    /// timing all see the cleaned text; tokenization stays in the timed calls, normalization does not); null (default): raw text.
    /// </summary>
    public TextNormalizerOptions? Normalization { get; set; }

    /// <summary>From-scratch teacher size. Default 4 layers × 256 (4 heads, FFN 1024).</summary>
    public StudentSize Teacher { get; set; } = new(4, 256);

    /// <summary>
    /// Teacher epochs (default 4), peak learning rate (default null: 1e-3 from scratch; the trainer's pretrained
    /// defaults — encoder 5e-5, head 1e-3 — for a pretrained teacher), rows per batch (default 16).
    /// </summary>
    public int TeacherEpochs { get; set; } = 4;
    public double? TeacherLearningRate { get; set; }
    public int BatchSize { get; set; } = 16;

    /// <summary>Tokens per row for teacher and students. Default 128.</summary>
    public int MaxLength { get; set; } = 128;

    /// <summary>
    /// The students distilled from the teacher, each compared with it. Default one of 1 layer × 256 (the from-scratch
    /// teacher's width, so it starts from the teacher's last layer). Unset heads / FFN width take the teacher's head
    /// size and (at the teacher's width) FFN width.
    /// </summary>
    public IReadOnlyList<StudentSize> Students { get; set; } = [new(1, 256)];

    /// <summary>
    /// Student epochs (default 4) and peak learning rate (default null: 1e-3 for the students of a from-scratch
    /// teacher, 1e-4 for those of a pretrained one, whose copied layers a large rate would wash out).
    /// </summary>
    public int StudentEpochs { get; set; } = 4;
    public double? StudentLearningRate { get; set; }

    /// <summary>Also time the teacher and every distilled student in dynamic int8 (ONNX Runtime). Default true.</summary>
    public bool Int8 { get; set; } = true;

    /// <summary>The teacher's learning rate passed to the trainer: as given, 1e-3 from scratch, null (trainer default) when pretrained.</summary>
    internal double? EffectiveTeacherLearningRate => TeacherLearningRate ?? (PretrainedModelPath is null ? 1e-3 : null);

    /// <summary>The students' learning rate: as given, else 1e-3 from scratch and 1e-4 from a pretrained teacher.</summary>
    internal double EffectiveStudentLearningRate => StudentLearningRate ?? (PretrainedModelPath is null && TeacherModelPath is null ? 1e-3 : 1e-4);

    /// <summary>Distillation temperature (default 2), soft-target weight α (default 0.5) and hidden-state weight (default 0).</summary>
    public double Temperature { get; set; } = 2;
    public double Alpha { get; set; } = 0.5;
    public double HiddenStateWeight { get; set; }

    /// <summary>Also train every student on the hard labels only (α = 0, same initialisation): the no-distillation control. Default false.</summary>
    public bool HardLabelControl { get; set; }

    /// <summary>Threads for training and latency (default 2).</summary>
    public int Threads { get; set; } = 2;

    /// <summary>Timed rounds at batch 1 (default 40) and batch 32 (default 8); each round calls every variant once, in turn.</summary>
    public int Batch1Rounds { get; set; } = 40;
    public int Batch32Rounds { get; set; } = 8;

    /// <summary>Folder for the model files whose sizes are reported. Default a temporary folder.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Progress lines (null: none).</summary>
    public TextWriter? Log { get; set; }
}
