// The README's "Using the library from code" tour, runnable on the bundled SpamAssassin sample:
//   dotnet run --project samples/PipelineTour -c Release [-- --quick]
// --quick trains on 120 rows with one BERT epoch and 3 AutoML trials (about a minute on 2 cores).
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm;          // mlContext.Llm()
using MLNetLlm.AutoML;   // ml.Llm().Auto()
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.Data;     // NormalizeText, ApplyWhenTraining, Deduplicate, Balance
using MLNetLlm.IO;       // DelimitedFile: CSV/TSV with errors that name file, line and column
using MLNetLlm.Torch;    // ml.Llm().TextClassification

bool quick = args.Contains("--quick");
var ml = new MLContext(seed: 1);
IDataView Load(string name, int? take)
{
    var view = DelimitedFile.Read(FindSample(name)).ToDataView(("Label", TextDataViewType.Instance), ("Text", TextDataViewType.Instance));
    return take is int n && n < view.RowCount
        ? view.SelectRows(Enumerable.Range(0, n).Select(i => i * view.RowCount / n).ToArray()) // every k-th row: both classes
        : view;
}
var train = Load("sample-train.csv", quick ? 120 : null);
var test = Load("sample-test.csv", quick ? 60 : null);

// A. Cleaning + ML.NET's featurizer + SDCA. Row steps (dedup, balancing, augmentation, chunking) run on training
//    data only: ApplyWhenTraining fits what follows on the cleaned rows; prediction and evaluation data pass untouched.
var sdca = ml.Llm().NormalizeText("Text", options: new() { MaskUrls = true })
    .Append(ml.Transforms.Conversion.MapValueToKey("Label"))                    // "spam"/"ham" → key
    .Append(ml.Transforms.Text.FeaturizeText("Features", "Text"))
    .Append(ml.Llm().ApplyWhenTraining(
        ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(),
        ml.Llm().Deduplicate(), ml.Llm().Balance()));
var model = sdca.Fit(train);
Report("A. normalize + dedup + balance + SDCA", model);

// B. Or fine-tune a BERT-style transformer (TorchSharp): from scratch (a WordPiece vocabulary is learned from the
//    training text) or from a local HuggingFace checkpoint (PretrainedModelPath), full / LoRA / prompt tuning.
var bert = ml.Llm().NormalizeText("Text")
    .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
    .Append(ml.Llm().TextClassification(new() { NumberOfEpochs = quick ? 1 : 3, Device = "auto" }));
Report("B. normalize + BERT from scratch", bert.Fit(train));

// C. Or let AutoML search the whole pipeline (featurizer options × trainers) with a Bayesian tuner:
var auto = ml.Llm().Auto();
var result = await auto.CreateExperiment()
    .SetPipeline(new SweepablePipeline()
        .Append(ml.Transforms.Conversion.MapValueToKey("Label"), "label_to_key")
        .Append(auto.FeaturizeText("Features", "Text"))
        .Append(auto.SdcaMaximumEntropy(), auto.LightGbmMulticlass()))
    .SetDataset(train, validationFraction: 0.2)
    .SetMulticlassClassificationMetric(MulticlassClassificationMetric.MacroAccuracy)
    .SetSmacTuner().SetMaxTrials(quick ? 3 : 20).SetTrainingTimeInSeconds(600)
    .RunAsync();
Console.WriteLine($"C. AutoML best trial: {result.BestTrial.Pipeline} (validation macro-accuracy {result.BestTrial.Metric:0.000})");
Report("C. AutoML best, refit", result.BestTrial.Model!);

// One model file holds ML.NET's transformers and MLNetLlm's own (tokenizer, transformer weights, cleaning options):
string path = Path.Combine(Path.GetTempPath(), "spam.mlnetllm");
ml.Llm().Model.Save(model, train.Schema, path);
var loaded = new MLContext().Llm().Model.Load(path, out var inputSchema);
Report("A. reloaded from " + path, loaded);
File.Delete(path);

void Report(string what, ITransformer m)
{
    var metrics = ml.MulticlassClassification.Evaluate(m.Transform(test));
    Console.WriteLine($"{what}: test accuracy {metrics.MicroAccuracy:0.000}, macro-accuracy {metrics.MacroAccuracy:0.000}");
}

static string FindSample(string name)
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "data", "spam", name);
        if (File.Exists(candidate)) return candidate;
    }
    throw new FileNotFoundException($"data/spam/{name} not found above {AppContext.BaseDirectory}.");
}
