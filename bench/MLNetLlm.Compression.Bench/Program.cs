// Compression benchmark: dotnet run -c Release --project bench/MLNetLlm.Compression.Bench -- [options]
//   --train PATH --test PATH   SpamAssassin CSVs (default data/spam/full/{train,test}.csv; scripts/fetch-spamassassin.sh)
//   --max-train N              use the first N training rows (default all)
//   --epochs N --max-length N  teacher fine-tuning (default 2, 128)
//   --layers N --hidden N --heads N --ffn N   from-scratch teacher size (default 4, 256, 4, 1024)
//   --pretrained DIR           fine-tune a HF BERT checkpoint instead
//   --threads N                threads for training and timing (default 2)
//   --no-bert-base             skip the BERT-base-shaped size/latency table
//   --bert-base-only           only that table (no data, no training)
//   --bert-base-repeats N M    timed BERT-base calls at batch 1 / batch 32 (default 5 2)
//   --out FILE                 also write the markdown tables to FILE
//
// Distillation experiment: dotnet run -c Release --project bench/MLNetLlm.Compression.Bench -- distill [options]
//   --train/--test/--max-train/--max-length/--threads/--pretrained/--out as above
//   --teacher LxH[xHEADSxFFN]  from-scratch teacher (default 4x256)
//   --teacher-epochs N --teacher-lr X   (default 4, 1e-3)
//   --student LxH[xHEADSxFFN]  a student size; repeat for several (default 1x256)
//   --student-epochs N --student-lr X   (default 4, 1e-3)
//   --temperature X --alpha X --hidden-weight X   distillation loss (default 2, 0.5, 0)
//   --batch N                  rows per training batch (default 16)
//   --control                  also train each student on hard labels only (no teacher)
//   --rounds N M               interleaved timing rounds at batch 1 / 32 (default 40 8)
using System.Globalization;
using MLNetLlm.Torch.Compression.Benchmarks;

if (args.Length > 0 && args[0] == "distill") return Distill(args[1..]);

var o = new CompressionBenchmarkOptions { Log = Console.Out };
string? output = null;
bool bertBaseOnly = false;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    int Int() => int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--train": o.TrainPath = Next(); break;
        case "--test": o.TestPath = Next(); break;
        case "--max-train": o.MaxTrainRows = Int(); break;
        case "--epochs": o.Epochs = Int(); break;
        case "--max-length": o.MaxLength = Int(); break;
        case "--layers": o.TeacherLayers = Int(); break;
        case "--hidden": o.TeacherHiddenSize = Int(); break;
        case "--heads": o.TeacherAttentionHeads = Int(); break;
        case "--ffn": o.TeacherIntermediateSize = Int(); break;
        case "--pretrained": o.PretrainedModelPath = Next(); break;
        case "--threads": o.Threads = Int(); break;
        case "--repeats": o.Batch1Repeats = Int(); o.Batch32Repeats = Math.Max(2, o.Batch1Repeats / 5); break;
        case "--no-bert-base": o.BertBaseShape = false; break;
        case "--bert-base-only": bertBaseOnly = true; break;
        case "--bert-base-repeats": o.BertBaseBatch1Repeats = Int(); o.BertBaseBatch32Repeats = Int(); break;
        case "--out": output = Next(); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
var result = bertBaseOnly ? CompressionBenchmark.RunBertBaseShape(o) : CompressionBenchmark.Run(o);
string markdown = result.ToMarkdown();
Console.WriteLine();
Console.WriteLine(markdown);
if (output != null) File.WriteAllText(output, markdown);
return 0;

static int Distill(string[] args)
{
    var o = new DistillationBenchmarkOptions { Log = Console.Out };
    var students = new List<StudentSize>();
    string? output = null;
    for (int i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
        double Double() => double.Parse(Next(), CultureInfo.InvariantCulture);
        switch (args[i])
        {
            case "--train": o.TrainPath = Next(); break;
            case "--test": o.TestPath = Next(); break;
            case "--max-train": o.MaxTrainRows = Int(); break;
            case "--max-length": o.MaxLength = Int(); break;
            case "--threads": o.Threads = Int(); break;
            case "--pretrained": o.PretrainedModelPath = Next(); break;
            case "--teacher": o.Teacher = StudentSize.Parse(Next()); break;
            case "--teacher-epochs": o.TeacherEpochs = Int(); break;
            case "--teacher-lr": o.TeacherLearningRate = Double(); break;
            case "--student": students.Add(StudentSize.Parse(Next())); break;
            case "--student-epochs": o.StudentEpochs = Int(); break;
            case "--student-lr": o.StudentLearningRate = Double(); break;
            case "--temperature": o.Temperature = Double(); break;
            case "--alpha": o.Alpha = Double(); break;
            case "--hidden-weight": o.HiddenStateWeight = Double(); break;
            case "--batch": o.BatchSize = Int(); break;
            case "--control": o.HardLabelControl = true; break;
            case "--rounds": o.Batch1Rounds = Int(); o.Batch32Rounds = Int(); break;
            case "--out": output = Next(); break;
            default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
        }
    }
    if (students.Count > 0) o.Students = students;
    Console.WriteLine($"command: distill {string.Join(' ', args)}");
    var result = DistillationBenchmark.Run(o);
    string markdown = result.ToMarkdown();
    Console.WriteLine();
    Console.WriteLine(markdown);
    if (output != null) File.WriteAllText(output, markdown);
    return 0;
}
