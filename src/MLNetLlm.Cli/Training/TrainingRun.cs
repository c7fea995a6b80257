using System.Diagnostics;
using Microsoft.ML;
using MLNetLlm.Cli.CodeGen;
using MLNetLlm.Cli.Evaluation;
using MLNetLlm.Cli.Progress;
using MLNetLlm.Cli.Reporting;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Training;

/// <summary>One <c>train</c> run: load and check the data, fit the pipeline, measure it, write the output folder.</summary>
internal sealed class TrainingRun
{
    /// <summary>The model file's name in an output folder.</summary>
    public const string ModelFileName = "model.mlnetllm";

    /// <summary>The metrics file's name in an output folder.</summary>
    public const string MetricsFileName = "metrics.json";

    readonly RunConfig _config;
    readonly TextWriter _out;

    public TrainingRun(RunConfig config, TextWriter output)
    {
        _config = config;
        _out = output;
    }

    /// <summary>Runs and returns the metrics on the evaluation data; the output folder holds the model, metrics and run.json.</summary>
    public MetricsReport Execute()
    {
        var c = _config;
        c.Validate();
        var train = DelimitedFile.Read(c.Dataset!);
        if (train.Rows.Count == 0) throw new CliException($"'{train.Source}' has a header but no data rows.");
        DelimitedTable test;
        int[] trainRows, testRows;
        if (c.ValidationDataset != null)
        {
            test = DelimitedFile.Read(c.ValidationDataset);
            trainRows = Enumerable.Range(0, train.Rows.Count).ToArray();
            testRows = Enumerable.Range(0, test.Rows.Count).ToArray();
            if (testRows.Length == 0) throw new CliException($"'{test.Source}' has a header but no data rows.");
        }
        else
        {
            test = train;
            (trainRows, testRows) = Split(train, c.Split, c.Seed, c.Task == TaskKind.Regression ? null : c.LabelColumn);
        }

        var signature = LabeledData.InferSignature(c.Task, train, trainRows, c.LabelColumn, c.TextColumns, c.PositiveLabel);
        var trainView = LabeledData.Build(train, trainRows, signature);
        var testView = LabeledData.Build(test, testRows, signature);

        var ml = new MLContext(c.Seed);
        IDataView trainData = trainView, testData = testView;
        if (signature.Task == TaskKind.Multiclass)
        {
            var toKey = PipelineFactory.LabelToKey(ml, signature, trainView);
            trainData = toKey.Transform(trainView);
            testData = toKey.Transform(testView);
        }

        _out.WriteLine($"Training {signature.Task.ToString().ToLowerInvariant()} model on {trainRows.Length} rows of '{train.Source}' " +
                       $"(text: {string.Join(", ", signature.TextColumns)}; label: {signature.LabelColumn})");
        string pipeline = PipelineFactory.Describe(signature, c.Normalization);
        string testName = c.ValidationDataset != null ? test.Source : $"{train.Source} (held-out {c.Split:0.##} split, seed {c.Seed})";
        ITransformer model;
        MetricsReport metrics;
        TrialResult trial;
        using (var progress = RunProgress.For(_out, ModelEvaluator.PrimaryMetric(signature.Task)))
        {
            var watch = Stopwatch.StartNew();
            progress.TrialStarted(1, pipeline);
            progress.StepStarted($"Fitting {pipeline}");
            model = PipelineFactory.Create(ml, signature, c.Normalization).Fit(trainData);
            progress.StepFinished();
            double seconds = watch.Elapsed.TotalSeconds;
            metrics = ModelEvaluator.Evaluate(ml, signature, model.Transform(testData), testName, trainRows.Length);
            metrics.TrainSeconds = Math.Round(seconds, 3);
            trial = new TrialResult(1, pipeline, metrics.Primary, seconds, "completed", watch.Elapsed.TotalSeconds);
            progress.TrialFinished(trial, trial, null);
        }

        string output = Path.GetFullPath(c.Output!);
        Directory.CreateDirectory(output);
        var metadata = signature.ToMetadata();
        metadata["trainer"] = PipelineFactory.TrainerName(signature.Task);
        metadata["seed"] = c.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ml.Llm().Model.Save(model, trainView.Schema, Path.Combine(output, ModelFileName), metadata);
        metrics.Save(Path.Combine(output, MetricsFileName));
        c.Save(Path.Combine(output, RunConfig.FileName));
        RunReports.Write(output, $"mlnet-llm train: {Path.GetFileName(output)}", metrics, [trial], Settings(c, signature));
        var example = signature.TextColumns.Select(col => test.Rows[testRows[0]][test.ColumnIndex(col)]).ToArray();
        var generator = new ConsumptionProjectGenerator(signature, ConsumptionProjectGenerator.NameFor(output));
        string project = generator.Write(output, ModelFileName, model, example, PipelineFactory.Code(signature, c.Normalization), RepoLocator.Find());

        metrics.Print(_out);
        _out.WriteLine($"Model:  {Path.Combine(output, ModelFileName)}");
        _out.WriteLine($"Report: {Path.Combine(output, RunReports.ReportHtml)}");
        _out.WriteLine($"Code:   {project} (dotnet run --project \"{project}\")");
        return metrics;
    }

    static Dictionary<string, string> Settings(RunConfig c, ModelSignature s)
    {
        var d = new Dictionary<string, string>
        {
            ["task"] = s.Task.ToString().ToLowerInvariant(),
            ["training data"] = Path.GetFullPath(c.Dataset!),
            ["label column"] = s.LabelColumn,
            ["text columns"] = string.Join(", ", s.TextColumns),
            ["seed"] = c.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (s.PositiveLabel != null) d["positive label"] = s.PositiveLabel;
        if (c.ValidationDataset == null) d["split"] = c.Split.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return d;
    }

    /// <summary>
    /// A seeded shuffle of the row indices: <paramref name="fraction"/> of the rows are held out. With a
    /// <paramref name="stratifyBy"/> column (classification labels) each value is split on its own, so every class is
    /// in both parts in the same proportion.
    /// </summary>
    internal static (int[] Train, int[] Test) Split(DelimitedTable table, double fraction, int seed, string? stratifyBy = null)
    {
        int n = table.Rows.Count;
        var rnd = new Random(seed);
        IEnumerable<int[]> groups = stratifyBy == null
            ? [Enumerable.Range(0, n).ToArray()]
            : Enumerable.Range(0, n).GroupBy(r => table.Rows[r][table.ColumnIndex(stratifyBy)].Trim(), StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToArray());
        var train = new List<int>();
        var test = new List<int>();
        foreach (var group in groups)
        {
            rnd.Shuffle(group);
            int nTest = (int)Math.Round(group.Length * fraction);
            if (stratifyBy != null && group.Length >= 2) nTest = Math.Clamp(nTest, 1, group.Length - 1);
            test.AddRange(group[..nTest]);
            train.AddRange(group[nTest..]);
        }
        if (test.Count == 0 || train.Count == 0)
            throw new CliException($"'{table.Source}' has {n} rows: a {fraction:0.##} split leaves no {(test.Count == 0 ? "evaluation" : "training")} rows. Use more data, another --split, or --validation-dataset.");
        train.Sort();
        test.Sort();
        return (train.ToArray(), test.ToArray());
    }
}
