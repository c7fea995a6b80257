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

    /// <summary>
    /// Reads a data file (the run's CSV/TSV reader; tests swap in one that counts reads). The test file goes through it
    /// exactly once per run, after the search.
    /// </summary>
    internal Func<string, DelimitedTable> ReadTable { get; init; } = path => DelimitedFile.Read(path);

    /// <summary>
    /// Runs and returns the headline metrics: on the test data when there is a test file (with the validation metrics
    /// in <see cref="MetricsReport.Validation"/>), else on the validation data. The output folder holds the model,
    /// metrics and run.json.
    /// </summary>
    public MetricsReport Execute()
    {
        var c = _config;
        c.Validate();
        var train = ReadTable(c.Dataset!);
        if (train.Rows.Count == 0) throw new CliException($"'{train.Source}' has a header but no data rows.");
        LabeledData.CheckColumns(train, c.LabelColumn, c.TextColumns);
        if (c.Task is null)
        {
            var (inferred, why) = TaskInference.Infer(train, Enumerable.Range(0, train.Rows.Count).ToArray(), c.LabelColumn);
            c.Task = inferred;
            if (inferred == TaskKind.Binary && c.PositiveLabel == null && LabeledData.TryBooleans(train, c.LabelColumn) == null)
            {
                c.PositiveLabel = TaskInference.RarerValue(train, Enumerable.Range(0, train.Rows.Count).ToArray(), c.LabelColumn);
                why += $"; positive class '{c.PositiveLabel}' (the rarer; --positive-label to choose)";
            }
            _out.WriteLine($"Task: {inferred.ToString().ToLowerInvariant()} ({why}; --task to override)");
            c.Validate();
        }
        var task = c.Task.Value;
        string metricName = SelectionMetric.Name(task, c.Metric);

        // the validation data selects: a file, or a stratified split of the training file; the test file is not read here
        DelimitedTable validation;
        int[] trainRows, validationRows;
        if (c.ValidationDataset != null)
        {
            validation = ReadTable(c.ValidationDataset);
            trainRows = Enumerable.Range(0, train.Rows.Count).ToArray();
            validationRows = Enumerable.Range(0, validation.Rows.Count).ToArray();
            if (validationRows.Length == 0) throw new CliException($"'{validation.Source}' has a header but no data rows.");
        }
        else
        {
            validation = train;
            (trainRows, validationRows) = Split(train, c.Split, c.Seed, task == TaskKind.Regression ? null : c.LabelColumn);
        }

        var signature = LabeledData.InferSignature(task, train, trainRows, c.LabelColumn, c.TextColumns, c.PositiveLabel);
        c.ResolvedLanguage = Languages.LanguageSettings.Resolve(c.Language,
            trainRows.SelectMany(r => signature.TextColumns.Select(col => train.Rows[r][train.ColumnIndex(col)])), out string languageLine);
        _out.WriteLine(languageLine);
        var trainView = LabeledData.Build(train, trainRows, signature);
        var validationView = LabeledData.Build(validation, validationRows, signature);

        var ml = new MLContext(c.Seed);
        IDataView trainData = trainView, validationData = validationView;
        ITransformer? toKey = null;
        if (signature.Task == TaskKind.Multiclass)
        {
            toKey = PipelineFactory.LabelToKey(ml, signature, trainView);
            trainData = toKey.Transform(trainView);
            validationData = toKey.Transform(validationView);
        }
        double? imbalance = signature.Task == TaskKind.Regression ? null
            : ClassBalance.ImbalanceRatio(signature, TaskInference.Counts(train, trainRows, train.ColumnIndex(c.LabelColumn)));

        RunOutput.ApplyDefaults(c);
        using var folder = RunOutput.Prepare(c, _out, _policy.Force, _policy.Resuming, _policy.NewFolderIfUsed);
        folder.Begin(c, _cancel); // from here on the folder is this run's: bad input has been reported above
        _out.WriteLine($"Training {signature.Task.ToString().ToLowerInvariant()} model on {trainRows.Length} rows of '{train.Source}' " +
                       $"(text: {string.Join(", ", signature.TextColumns)}; label: {signature.LabelColumn}" +
                       $"{(imbalance is { } ir ? FormattableString.Invariant($"; largest/smallest class {ir:0.#}:1") : "")})");
        string validationName = c.ValidationDataset != null ? validation.Source : $"{train.Source} (held-out {c.Split:0.##} stratified split, seed {c.Seed})";
        _out.WriteLine($"Validation (selection): {validationName}, {validationRows.Length} rows" +
                       (c.TestDataset != null ? $"; test: {Path.GetFullPath(c.TestDataset)} (read once, after the search)" : "; no --test-dataset: validation metrics only"));
        ITransformer model;
        string? modelSource = null;
        MetricsReport metrics;
        IReadOnlyList<TrialResult> trials;
        TrainingCode code;
        string trainer;
        SearchSummary search;
        using (var progress = RunProgress.For(_out, metricName))
        {
            var watch = Stopwatch.StartNew();
            if (c.IsAutoML)
            {
                var outcome = new AutoMLSearch(_out).Run(ml, c, signature, trainData, validationData, progress, _cancel, imbalance, metricName);
                (model, trials, code, trainer) = (outcome.Model, outcome.Trials, outcome.Code, outcome.BestPipeline);
                _stopReason = $"{outcome.StopReason} (study '{outcome.Study}', {trials.Count} trial(s))";
                Interrupted = outcome.Interrupted;
                modelSource = outcome.ModelSource;
                search = outcome.Summary;
                if (outcome.Summary.Baseline is { } rule) _out.WriteLine(rule);
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
                search = new SearchSummary
                {
                    SelectedBy = metricName, TrialsStarted = 1, TrialsCompleted = 1, TrialsPerFidelity = [1], ImbalanceRatio = imbalance,
                    Balance = c.Balance ?? "none",
                };
            }
            if (Languages.ChineseSteps.Applies(c.ResolvedLanguage, c.Trainer))
                code = code with { Usings = [.. code.Usings, .. Languages.ChineseSteps.Usings], Libraries = [.. code.Libraries, Languages.ChineseSteps.Library] };
            double seconds = watch.Elapsed.TotalSeconds;
            metrics = ModelEvaluator.Evaluate(ml, signature, model.Transform(validationData), validationName, trainRows.Length);
            metrics.PrimaryMetric = metricName;
            metrics.Role = "validation";
            metrics.TrainSeconds = Math.Round(seconds, 3);
            if (!c.IsAutoML)
            {
                var trial = new TrialResult(1, trainer, metrics.Primary, seconds, "completed", watch.Elapsed.TotalSeconds);
                trials = [trial];
                progress.TrialFinished(trial, trial, null);
            }
        }

        // the test data: read now, once, by the final model only
        DelimitedTable exampleTable = validation;
        int[] exampleRows = validationRows;
        IDataView exampleData = validationData;
        if (c.TestDataset != null)
        {
            _out.WriteLine($"Reading the test data '{Path.GetFullPath(c.TestDataset)}' (once, after the search; only the final model sees it)");
            var test = ReadTable(c.TestDataset);
            if (test.Rows.Count == 0) throw new CliException($"'{test.Source}' has a header but no data rows.");
            var testRows = Enumerable.Range(0, test.Rows.Count).ToArray();
            IDataView testData = LabeledData.Build(test, testRows, signature);
            if (toKey != null) testData = toKey.Transform(testData);
            var testMetrics = ModelEvaluator.Evaluate(ml, signature, model.Transform(testData), test.Source, trainRows.Length);
            testMetrics.PrimaryMetric = metricName;
            testMetrics.Role = "test";
            testMetrics.TrainSeconds = metrics.TrainSeconds;
            testMetrics.Validation = metrics;
            metrics = testMetrics;
            (exampleTable, exampleRows, exampleData) = (test, testRows, testData);
        }
        metrics.Search = search;

        string output = folder.Stage(); // moved into place by Commit: nothing half-written
        var metadata = signature.ToMetadata();
        metadata["pipeline"] = trainer;
        metadata["seed"] = c.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        metadata["language"] = Languages.LanguageSettings.Name(c.ResolvedLanguage);
        ml.Llm().Model.Save(model, trainView.Schema, Path.Combine(output, ModelFileName), metadata);
        metrics.Save(Path.Combine(output, MetricsFileName));
        c.Status = Interrupted ? RunOutput.Interrupted : RunOutput.Completed;
        c.Save(Path.Combine(output, RunConfig.FileName));
        RunReports.Write(output, $"mlnet-llm train: {Path.GetFileName(folder.Folder)}", metrics, trials, Settings(c, signature));
        var rowTexts = exampleRows.Select(r => signature.TextColumns.Select(col => exampleTable.Rows[r][exampleTable.ColumnIndex(col)]).ToArray()).ToList();
        var (exampleRow, exampleRight) = ExampleRow.Pick(signature, model.Transform(exampleData), rowTexts);
        string exampleLabel = exampleTable.Rows[exampleRows[exampleRow]][exampleTable.ColumnIndex(signature.LabelColumn)].Trim() + (exampleRight ? "" : ", mispredicted");
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
        else d["validation data"] = Path.GetFullPath(c.ValidationDataset);
        if (c.TestDataset != null) d["test data"] = Path.GetFullPath(c.TestDataset) + " (read once, after the search)";
        if (c.IsAutoML)
        {
            d["search"] = $"tuner {c.Tuner ?? "smac"}, {(c.MaxTrials is { } m ? $"at most {m} trials" : "no trial limit")}, " +
                          $"{(c.TrainTimeSeconds is { } t ? $"{t:0.#}s budget" : "no time limit")}, parallel {c.Parallel}";
            if (_stopReason != null) d["stopped"] = _stopReason;
            d["status"] = c.Status ?? RunOutput.Completed;
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
