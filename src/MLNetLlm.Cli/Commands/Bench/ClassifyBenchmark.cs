using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.DataViews;
using MLNetLlm.IO;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Embeddings;

namespace MLNetLlm.Cli.Commands.Bench;

/// <summary>
/// <c>bench embedding classify</c>: a pretrained encoder's sentence embeddings + SDCA against FeaturizeText + SDCA on the
/// same train/test files, same trainer settings (ML.NET's defaults), one run, side by side.
/// </summary>
internal static class ClassifyBenchmark
{
    public static void Run(TextWriter output, string trainPath, string testPath, string? positiveLabel, string encoder, int maxLength, bool stripHeaders, int threads)
    {
        TorchSharp.torch.set_num_threads(threads);
        var trainTable = DelimitedFile.Read(trainPath);
        var testTable = DelimitedFile.Read(testPath);
        var labels = trainTable.Column("Label").Concat(testTable.Column("Label")).Distinct().Order(StringComparer.Ordinal).ToArray();
        bool binary = positiveLabel != null;
        if (binary && !labels.Contains(positiveLabel)) throw new CliException($"--positive-label '{positiveLabel}' is not a label of '{trainPath}' ({string.Join(", ", labels.Take(10))}).");
        IDataView Read(DelimitedTable t) => binary
            ? InMemoryDataView.FromColumns(("Text", TextDataViewType.Instance, t.Column("Text").Select(x => x.AsMemory()).ToArray()),
                ("Label", BooleanDataViewType.Instance, t.Column("Label").Select(l => l == positiveLabel).ToArray()))
            : InMemoryDataView.FromColumns(("Text", TextDataViewType.Instance, t.Column("Text").Select(x => x.AsMemory()).ToArray()),
                ("Label", TextDataViewType.Instance, t.Column("Label").Select(x => x.AsMemory()).ToArray()));
        var ml = new MLContext(seed: 1);
        IDataView train = Read(trainTable), test = Read(testTable);
        if (!binary)
        {
            // Keys over the labels of both files, so a class seen only in the test file is still a class.
            var keys = InMemoryDataView.FromColumns(("Label", TextDataViewType.Instance, labels.Select(l => l.AsMemory()).ToArray()));
            var toKey = ml.Transforms.Conversion.MapValueToKey("Label", "Label", keyData: keys).Fit(train);
            train = toKey.Transform(train);
            test = toKey.Transform(test);
        }
        output.WriteLine($"{(binary ? $"binary ({positiveLabel})" : $"multiclass ({labels.Length} labels)")}: train {trainTable.Rows.Count} rows ({trainPath}), test {testTable.Rows.Count} rows ({testPath}); " +
                         $"{threads} thread(s); {(stripHeaders ? "NormalizeText (headers stripped) before both" : "raw text")}; {TorchBench.Load()}");

        IEstimator<ITransformer> Prefix(IEstimator<ITransformer> featurizer) => stripHeaders
            ? ml.Llm().NormalizeText("Text", options: new TextNormalizerOptions { StripEmailHeaders = true }).Append(featurizer)
            : featurizer;
        IEstimator<ITransformer> Trainer() => binary
            ? ml.BinaryClassification.Trainers.SdcaLogisticRegression()
            : ml.MulticlassClassification.Trainers.SdcaMaximumEntropy();
        var rows = new List<string>();
        void Measure(string name, IEstimator<ITransformer> featurizer)
        {
            var sw = Stopwatch.StartNew();
            var model = Prefix(featurizer).AppendCacheCheckpoint(ml).Append(Trainer()).Fit(train);
            double fit = sw.Elapsed.TotalSeconds;
            sw.Restart();
            var scored = model.Transform(test);
            string metrics;
            if (binary)
            {
                var m = ml.BinaryClassification.Evaluate(scored);
                metrics = $"{m.F1Score:F4} | {m.Accuracy:F4} | {m.AreaUnderRocCurve:F4}";
            }
            else
            {
                var m = ml.MulticlassClassification.Evaluate(scored);
                metrics = $"{m.MacroAccuracy:F4} | {m.MicroAccuracy:F4} | {m.LogLoss:F3}";
            }
            double score = sw.Elapsed.TotalSeconds;
            string line = $"| {name} | {metrics} | {fit:F0} | {score:F0} |";
            rows.Add(line);
            output.WriteLine(line);
            (model as IDisposable)?.Dispose();
            foreach (var t in (model as IEnumerable<ITransformer>) ?? []) (t as IDisposable)?.Dispose();
        }
        output.WriteLine(binary ? "| featurizer + SDCA | test F1 | accuracy | AUC | fit s | test s |" : "| featurizer + SDCA | test macro accuracy | micro accuracy | log loss | fit s | test s |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        Measure("FeaturizeText (n-grams)", ml.Transforms.Text.FeaturizeText("Features", "Text"));
        Measure($"SentenceEmbedding ({encoder}, mean pooling, L2, {maxLength} tokens)", ml.Llm().SentenceEmbedding("Features", "Text",
            new SentenceEmbeddingEstimator.Options { PretrainedModel = encoder, MaxLength = maxLength, NumberOfThreads = threads, Device = "cpu" }));
        output.WriteLine($"  (after the runs: {TorchBench.Load()})");
    }
}
