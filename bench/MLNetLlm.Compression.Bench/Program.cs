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
using MLNetLlm.Torch.Compression.Benchmarks;

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
