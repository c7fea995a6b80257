using System.CommandLine;
using MLNetLlm.Cli.Training;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm train</c>: fit a text model on a data file and write the output folder.</summary>
internal static class TrainCommand
{
    /// <summary>
    /// Runs a config. The first Ctrl+C/SIGTERM stops an AutoML search from starting trials, lets the running ones
    /// finish and writes the output from them (exit code <see cref="ExitCodes.Interrupted"/>); a second one quits at
    /// once (<see cref="ExitCodes.Aborted"/>). See <see cref="ExitCodes"/>.
    /// </summary>
    internal static int Execute(CliContext context, RunConfig run, TrainingRun.OutputPolicy? policy = null)
    {
        using var interrupt = RunInterruption.Listen(context.Err, run.IsAutoML
            ? "no new trials; the running ones finish, then the output is written from the finished trials"
            : "the model being fitted is finished and written");
        try
        {
            PretrainedArgument.Prepare(run, context.Out);
            var training = new TrainingRun(run, context.Out, interrupt.Token, policy);
            training.Execute();
            return training.Interrupted ? ExitCodes.Interrupted : ExitCodes.Success;
        }
        catch (RunInterruptedException ex)
        {
            context.Err.WriteLine("mlnet-llm: " + ex.Message);
            return ExitCodes.InterruptedNothingWritten;
        }
    }

    public static Command Create(CliContext context)
    {
        var config = new Option<FileInfo?>("--config") { Description = "A run.json from an earlier run: run it again. Options given here override its values." };
        var task = new Option<TaskKind?>("--task") { Description = "binary | multiclass | regression (two text columns: sentence-pair regression). Default: inferred from --label-col (two values: binary; more numbers: regression; more values: multiclass)." };
        var dataset = new Option<string?>("--dataset") { Description = "Training data: a CSV/TSV file with a header row." };
        var validation = new Option<string?>("--validation-dataset") { Description = "Data the trials are scored and selected on. Without it, a stratified --split of --dataset is held out." };
        var test = new Option<string?>("--test-dataset") { Description = "Data read once, after training/search, by the final model only: reported as the test metrics next to the validation metrics." };
        var split = new Option<double?>("--split") { Description = "Fraction of --dataset held out for validation when there is no --validation-dataset (default 0.2)." };
        var balance = new Option<string?>("--balance") { Description = "Classification: balance the training rows: none, oversample, undersample or smote. Default: none (AutoML searches none/over/undersampling when the largest class has 3x the rows of the smallest)." };
        var metric = new Option<string?>("--metric") { Description = "The metric trials are selected by: binary f1 (default), accuracy, auc, aucPr, precision, recall, logLoss; multiclass macroAccuracy (default), microAccuracy, logLoss, logLossReduction; regression r2 (default), rmse, mae." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the split and the trainers (default 42): the same seed gives the same model." };
        var labelCol = new Option<string?>("--label-col") { Description = "The label column (default Label)." };
        var textCol = new Option<string[]>("--text-col") { Description = "A text column the model reads; repeat for more (default Text).", AllowMultipleArgumentsPerToken = false };
        var positive = new Option<string?>("--positive-label") { Description = "Binary with text labels: the value that means positive (e.g. spam)." };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Feed the raw text to the featurizer (no NormalizeText step)." };
        var stripHeaders = new Option<bool>("--strip-email-headers") { Description = "Normalization: drop e-mail headers, decode MIME bodies (keeps the Subject)." };
        var mask = new Option<string[]>("--mask") { Description = "Normalization: replace urls, emails and/or numbers by placeholders (repeatable)." };
        mask.AcceptOnlyFromAmong(NormalizationFlags.Masks);
        var trainTime = new Option<double?>("--train-time") { Description = "AutoML: search for this many seconds (turns AutoML on)." };
        var maxTrials = new Option<int?>("--max-trials") { Description = "AutoML: stop after this many trials (turns AutoML on)." };
        var tuner = new Option<string?>("--tuner") { Description = "AutoML tuner: grid, random, bayesian, smac (default) or cfo." };
        tuner.AcceptOnlyFromAmong(RunConfig.Tuners);
        var parallel = new Option<int?>("--parallel") { Description = "AutoML: trials run at once (default 1)." };
        var storage = new Option<string?>("--storage") { Description = "AutoML: keep trials in a SQLite file or a PostgreSQL database (\"Host=…;Database=…\"); makes the run resumable. A password is never written to run.json: give it by PGPASSWORD or ~/.pgpass to resume." };
        var study = new Option<string?>("--study") { Description = "AutoML: the study name in --storage (default: the output folder's name)." };
        var trainer = new Option<string?>("--trainer") { Description = "sdca (n-gram features + SDCA, default) or bert (fine-tune a BERT encoder with TorchSharp)." };
        trainer.AcceptOnlyFromAmong("sdca", "bert");
        var featurizer = new Option<string?>("--featurizer") { Description = "sdca/AutoML: how text becomes features: ngrams (FeaturizeText, default) or embedding (a pretrained encoder's sentence embeddings, see --pretrained)." };
        featurizer.AcceptOnlyFromAmong(RunConfig.Featurizers);
        var pretrained = new Option<string?>("--pretrained") { Description = "bert: the pretrained encoder to fine-tune: a catalogue name (all-MiniLM-L6-v2, arctic-embed-xs; see 'models list'), a HF BERT folder or a BERT .onnx file with vocab.txt beside it (default: a small BERT trained from scratch). --featurizer embedding: the encoder (default all-MiniLM-L6-v2)." };
        var epochs = new Option<int?>("--epochs") { Description = "bert: passes over the training data (default 3)." };
        var batchSize = new Option<int?>("--batch-size") { Description = "bert: rows per batch (default 16)." };
        var maxLength = new Option<int?>("--max-length") { Description = "bert: tokens per row, longer texts truncated (default 128)." };
        var learningRate = new Option<double?>("--learning-rate") { Description = "bert: peak learning rate (default: by mode)." };
        var device = new Option<string?>("--device") { Description = "bert: auto (CUDA when available, default), cpu or cuda[:N]." };
        var output = new Option<string?>("--output", "-o") { Description = "The output folder (model, metrics, run.json). A non-empty folder is refused unless it holds this run's unfinished part (continued) or --force is given." };
        var force = new Option<bool>("--force") { Description = "Replace a non-empty --output folder that holds something else (its old contents are deleted once the new output is in place)." };
        var language = Languages.LanguageSettings.CreateOption("zh: jieba word segmentation before the n-gram featurizer (searched by AutoML).");

        var command = new Command("train", "Train a text model and write the model, its metrics and run.json to --output.")
        {
            config, task, dataset, validation, test, split, seed, balance, metric, labelCol, textCol, positive, noNormalize, stripHeaders, mask, trainTime, maxTrials, tuner, parallel, storage, study,
            trainer, featurizer, pretrained, epochs, batchSize, maxLength, learningRate, device, output, force, language,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            var run = parse.GetValue(config) is { } file ? RunConfig.Load(file.FullName) : new RunConfig();
            bool Given(Option o) => parse.GetResult(o) is { Implicit: false };
            if (parse.GetValue(task) is { } t) run.Task = t;
            if (Given(dataset)) run.Dataset = parse.GetValue(dataset);
            if (Given(validation)) run.ValidationDataset = parse.GetValue(validation);
            if (Given(test)) run.TestDataset = parse.GetValue(test);
            if (Given(balance)) run.Balance = parse.GetValue(balance);
            if (Given(metric)) run.Metric = parse.GetValue(metric);
            if (parse.GetValue(split) is { } s) run.Split = s;
            if (parse.GetValue(seed) is { } sd) run.Seed = sd;
            if (Given(labelCol)) run.LabelColumn = parse.GetValue(labelCol)!;
            if (Given(textCol)) run.TextColumns = [.. parse.GetValue(textCol)!];
            if (Given(positive)) run.PositiveLabel = parse.GetValue(positive);
            if (Given(output)) run.Output = parse.GetValue(output);
            if (Given(language)) run.Language = parse.GetValue(language) ?? "auto";
            if (parse.GetValue(noNormalize) || parse.GetValue(stripHeaders) || Given(mask))
                run.Normalization = NormalizationFlags.Apply(run.Normalization, parse.GetValue(noNormalize), parse.GetValue(stripHeaders), parse.GetValue(mask));
            if (parse.GetValue(trainTime) is { } tt) run.TrainTimeSeconds = tt;
            if (parse.GetValue(maxTrials) is { } mt) run.MaxTrials = mt;
            if (Given(tuner)) run.Tuner = parse.GetValue(tuner);
            if (parse.GetValue(parallel) is { } p) run.Parallel = p;
            if (Given(storage)) run.Storage = parse.GetValue(storage) is { } st && !RunConfig.IsConnectionString(st) ? Path.GetFullPath(st) : parse.GetValue(storage);
            if (Given(study)) run.Study = parse.GetValue(study);
            if (Given(trainer)) run.Trainer = parse.GetValue(trainer)!;
            var policy = new TrainingRun.OutputPolicy(Force: parse.GetValue(force), NewFolderIfUsed: parse.GetValue(config) != null && !Given(output));
            if (Given(featurizer)) run.Featurizer = parse.GetValue(featurizer)!;
            if (run.Featurizer == "embedding" && run.Trainer != "bert")
            {
                // The encoder options describe the featurizer; --epochs and --learning-rate stay BERT-only (Validate says so).
                EmbeddingSettings Embed() => run.Embedding ??= new EmbeddingSettings();
                if (Given(pretrained)) Embed().Model = parse.GetValue(pretrained)!;
                if (parse.GetValue(batchSize) is { } ebs) Embed().BatchSize = ebs;
                if (parse.GetValue(maxLength) is { } eml) Embed().MaxLength = eml;
                if (Given(device)) Embed().Device = parse.GetValue(device)!;
                if (parse.GetValue(epochs) != null || parse.GetValue(learningRate) != null)
                    throw new CliException("--epochs and --learning-rate fine-tune a BERT (--trainer bert); --featurizer embedding uses the encoder as it is.");
                return Execute(context, run, policy);
            }
            TransformerSettings Bert() => run.Transformer ??= new TransformerSettings();
            if (Given(pretrained)) Bert().Pretrained = parse.GetValue(pretrained);
            if (parse.GetValue(epochs) is { } e) Bert().Epochs = e;
            if (parse.GetValue(batchSize) is { } bs) Bert().BatchSize = bs;
            if (parse.GetValue(maxLength) is { } ml) Bert().MaxLength = ml;
            if (parse.GetValue(learningRate) is { } lr) Bert().LearningRate = lr;
            if (Given(device)) Bert().Device = parse.GetValue(device)!;
            return Execute(context, run, policy);
        }));
        return command;
    }
}
