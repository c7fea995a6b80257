// MLNetLlm quickstart: a spam filter for raw e-mails in a few lines of C#.
//   dotnet run --project samples/SpamQuickstart -c Release [-- train.csv test.csv]
// Without arguments it uses the SpamAssassin sample shipped in data/spam/.
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm;
using MLNetLlm.Data;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.DataViews;
using MLNetLlm.IO;

string trainPath = args.Length > 0 ? args[0] : FindSample("sample-train.csv");
string testPath = args.Length > 1 ? args[1] : FindSample("sample-test.csv");

// 1. Load the CSV files (RFC 4180, multi-line quoted e-mails). Errors name the file, line and column.
InMemoryDataView Load(string path)
{
    var table = DelimitedFile.Read(path);
    var text = table.Column("Text").Select(t => t.AsMemory()).ToArray();
    var isSpam = table.Column("Label").Select(label => label == "spam").ToArray();
    return InMemoryDataView.FromColumns(("Text", TextDataViewType.Instance, text), ("Label", BooleanDataViewType.Instance, isSpam));
}
var train = Load(trainPath);
var test = Load(testPath);
Console.WriteLine($"train: {train.RowCount} e-mails, test: {test.RowCount} e-mails");

// 2. The pipeline: MLNetLlm's text normalization, ML.NET's n-gram featurizer, a logistic regression.
var mlContext = new MLContext(seed: 42);
var pipeline = mlContext.Llm().NormalizeText("Text", options: new TextNormalizerOptions { MaskUrls = true })
    .Append(mlContext.Transforms.Text.FeaturizeText("Features", "Text"))
    .AppendCacheCheckpoint(mlContext)
    .Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression());
var model = pipeline.Fit(train);

// 3. Evaluate on the held-out e-mails.
var metrics = mlContext.BinaryClassification.Evaluate(model.Transform(test));
Console.WriteLine($"accuracy {metrics.Accuracy:0.000}  F1 {metrics.F1Score:0.000}  AUC {metrics.AreaUnderRocCurve:0.000}");

// 4. Save the model (ML.NET stages and MLNetLlm's own stages in one file), load it back, predict.
string modelPath = Path.Combine(Path.GetTempPath(), "spam-quickstart.mlnetllm");
mlContext.Llm().Model.Save(model, train.Schema, modelPath);
var loaded = mlContext.Llm().Model.Load(modelPath, out _);
var engine = mlContext.Model.CreatePredictionEngine<Email, SpamPrediction>(loaded);
foreach (var text in new[]
{
    "Subject: WIN a FREE prize!!! Click http://cheap.example.com now to claim your CASH",
    "Subject: Re: build failure\n\nThe nightly build broke on the tokenizer tests again; I'll look at it tomorrow.",
})
{
    var p = engine.Predict(new Email { Text = text });
    Console.WriteLine($"{(p.IsSpam ? "spam" : "ham "),-4}  p={p.Probability:0.000}  {text.Split('\n')[0]}");
}
File.Delete(modelPath);

static string FindSample(string name)
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "data", "spam", name);
        if (File.Exists(candidate)) return candidate;
    }
    throw new FileNotFoundException($"data/spam/{name} not found above {AppContext.BaseDirectory}; pass the train and test CSV paths as arguments.");
}

/// <summary>The model's input: one raw e-mail.</summary>
sealed class Email
{
    public string Text { get; set; } = "";
}

/// <summary>The model's output for one e-mail.</summary>
sealed class SpamPrediction
{
    [ColumnName("PredictedLabel")]
    public bool IsSpam { get; set; }

    public float Probability { get; set; }
}
