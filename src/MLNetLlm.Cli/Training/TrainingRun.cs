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
    readonly CancellationToken _cancel;
    readonly OutputPolicy _policy;
    string? _stopReason;
    string? _modelSource;

    /// <summary>How <see cref="Execute"/> treats an output folder that is not empty.</summary>
    /// <param name="Force">Replace a folder that is not this run's own (<c>--force</c>).</param>
    /// <param name="Resuming">The folder holds the run being resumed (<c>resume</c>).</param>
    /// <param name="NewFolderIfUsed">A config file's run without <c>-o</c>: a taken folder becomes DIR-2, DIR-3, ….</param>
    public sealed record OutputPolicy(bool Force = false, bool Resuming = false, bool NewFolderIfUsed = false);

    /// <param name="config">What to run.</param>
    /// <param name="output">Where progress and metrics are printed.</param>
    /// <param name="cancel">
    /// The graceful stop (first Ctrl+C): an AutoML search starts no new trial, lets the running ones finish and writes
    /// its output from what finished (<see cref="Interrupted"/>); a single fit finishes and is written as usual.
    /// </param>
    /// <param name="policy">How a non-empty output folder is treated (default: refused unless it is this run's own).</param>
    public TrainingRun(RunConfig config, TextWriter output, CancellationToken cancel = default, OutputPolicy? policy = null)
    {
        _config = config;
        _out = output;
        _cancel = cancel;
        _policy = policy ?? new OutputPolicy();
    }

    /// <summary>Whether the run was interrupted and wrote its output from the trials that finished (run.json status interrupted).</summary>
    public bool Interrupted { get; private set; }

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

        RunOutput.ApplyDefaults(c);
        using var folder = RunOutput.Prepare(c, _out, _policy.Force, _policy.Resuming, _policy.NewFolderIfUsed);
        folder.Begin(c, _cancel); // from here on the folder is this run's: bad input has been reported above
        _out.WriteLine($"Training {signature.Task.ToString().ToLowerInvariant()} model on {trainRows.Length} rows of '{train.Source}' " +
                       $"(text: {string.Join(", ", signature.TextColumns)}; label: {signature.LabelColumn})");
        string testName = c.ValidationDataset != null ? test.Source : $"{train.Source} (held-out {c.Split:0.##} split, seed {c.Seed})";
        ITransformer model;
        string? modelSource = null;
        MetricsReport metrics;
        IReadOnlyList<TrialResult> trials;
        TrainingCode code;
        string trainer;
        using (var progress = RunProgress.For(_out, ModelEvaluator.PrimaryMetric(signature.Task)))
        {
            var watch = Stopwatch.StartNew();
            if (c.IsAutoML)
            {
                var outcome = new AutoMLSearch(_out).Run(ml, c, signature, trainData, testData, progress, _cancel);
                (model, trials, code, trainer) = (outcome.Model, outcome.Trials, outcome.Code, outcome.BestPipeline);
                _stopReason = $"{outcome.StopReason} (study '{outcome.Study}', {trials.Count} trial(s))";
                Interrupted = outcome.Interrupted;
                modelSource = outcome.ModelSource;
            }
            else
            {
                string pipeline = PipelineFactory.Describe(signature, c);
                progress.TrialStarted(1, pipeline);
                progress.StepStarted($"Fitting {pipeline}");
                model = PipelineFactory.Create(ml, signature, c, new EpochProgress(progress)).Fit(trainData); // an interrupt lets the one fit finish
                progress.StepFinished();
                code = TrainingCode.Classic(PipelineFactory.Code(signature, c));
                if (c.Trainer == "bert") code = code with { Usings = ["MLNetLlm.Torch.Trainers"] };
                trainer = pipeline;
                trials = [];
            }
            double seconds = watch.Elapsed.TotalSeconds;
            metrics = ModelEvaluator.Evaluate(ml, signature, model.Transform(testData), testName, trainRows.Length);
            metrics.TrainSeconds = Math.Round(seconds, 3);
            if (!c.IsAutoML)
            {
                var trial = new TrialResult(1, trainer, metrics.Primary, seconds, "completed", watch.Elapsed.TotalSeconds);
                trials = [trial];
                progress.TrialFinished(trial, trial, null);
            }
        }

        string output = folder.Stage(); // moved into place by Commit: nothing half-written
        var metadata = signature.ToMetadata();
        metadata["pipeline"] = trainer;
        metadata["seed"] = c.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ml.Llm().Model.Save(model, trainView.Schema, Path.Combine(output, ModelFileName), metadata);
        metrics.Save(Path.Combine(output, MetricsFileName));
        c.Status = Interrupted ? RunOutput.Interrupted : RunOutput.Completed;
        _modelSource = modelSource;
        c.Save(Path.Combine(output, RunConfig.FileName));
        RunReports.Write(output, $"mlnet-llm train: {Path.GetFileName(folder.Folder)}", metrics, trials, Settings(c, signature));
        var rowTexts = testRows.Select(r => signature.TextColumns.Select(col => test.Rows[r][test.ColumnIndex(col)]).ToArray()).ToList();
        var (exampleRow, exampleRight) = ExampleRow.Pick(signature, model.Transform(testData), rowTexts);
        string exampleLabel = test.Rows[testRows[exampleRow]][test.ColumnIndex(signature.LabelColumn)].Trim() + (exampleRight ? "" : ", mispredicted");
        var generator = new ConsumptionProjectGenerator(signature, ConsumptionProjectGenerator.NameFor(folder.Folder));
        string project = folder.Final(generator.Write(output, ModelFileName, model, rowTexts[exampleRow], code, RepoLocator.Find(), exampleLabel));
        folder.Commit();

        if (_stopReason != null) _out.WriteLine($"AutoML {(Interrupted ? "interrupted" : "stopped")}: {_stopReason}; best: {trainer}");
        metrics.Print(_out);
        _out.WriteLine($"Model:  {Path.Combine(folder.Folder, ModelFileName)}{(modelSource is { } source ? $" ({source})" : "")}");
        _out.WriteLine($"Report: {Path.Combine(folder.Folder, RunReports.ReportHtml)}");
        _out.WriteLine($"Code:   {project} (dotnet run --project \"{project}\")");
        if (Interrupted) _out.WriteLine($"Interrupted: the output is from the trials that finished; 'mlnet-llm resume -o {folder.Folder}' continues the search.");
        return metrics;
    }

    Dictionary<string, string> Settings(RunConfig c, ModelSignature s)
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
        if (c.IsAutoML)
        {
            d["search"] = $"tuner {c.Tuner ?? "smac"}, {(c.MaxTrials is { } m ? $"at most {m} trials" : "no trial limit")}, " +
                          $"{(c.TrainTimeSeconds is { } t ? $"{t:0.#}s budget" : "no time limit")}, parallel {c.Parallel}";
            if (_stopReason != null) d["stopped"] = _stopReason;
            d["status"] = c.Status ?? RunOutput.Completed;
            if (_modelSource != null) d["model"] = _modelSource;
        }
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
