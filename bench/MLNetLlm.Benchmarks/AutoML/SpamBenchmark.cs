using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.AutoML.Tuners;
using MLNetLlm.DataViews;
using MLNetLlm.IO;
using MLNetLlm.AutoML;

namespace MLNetLlm.Benchmarks.AutoML;

/// <summary>
/// AutoML end to end on the SpamAssassin CSVs (columns Id, Group, Label = spam/ham, Text): a searched pipeline
/// (text cleaning variants × featurizer × {SDCA, LightGBM, FastTree}, optional training-only deduplication) against
/// the hand-written baseline (FeaturizeText + SDCA logistic regression, ML.NET defaults), both scored by F1 on the
/// same test file.
/// </summary>
public static class SpamBenchmark
{
    /// <summary>Reads a SpamAssassin CSV into Label (Boolean: spam), Text and Group columns.</summary>
    public static InMemoryDataView Load(string path)
    {
        var table = DelimitedFile.Read(path);
        var labels = table.Column("Label");
        var spam = new bool[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            spam[i] = labels[i] switch
            {
                "spam" => true,
                "ham" => false,
                _ => throw new DataFileException(path, $"'{path}' line {table.Lines[i]}, column 'Label': '{labels[i]}' is neither spam nor ham.", table.Lines[i], "Label"),
            };
        }
        return InMemoryDataView.FromColumns(
            ("Label", BooleanDataViewType.Instance, spam),
            ("Text", TextDataViewType.Instance, table.Column("Text").Select(t => t.AsMemory()).ToArray()),
            ("Group", TextDataViewType.Instance, table.Column("Group").Select(t => t.AsMemory()).ToArray()));
    }

    /// <summary>
    /// The searched pipeline: {no_dedup, deduplicate} ⇒ {no_oversample, oversample} (both training-only) ⇒
    /// {normalize (7 switches), raw_text} ⇒ FeaturizeText ⇒ cache ⇒ {SDCA, LightGBM, FastTree}, the two tree learners
    /// behind their own feature selection to a searched 100–5,000 slots (on the uncapped 10⁶ n-gram slots a tree trial
    /// does not fit its limit: docs/benchmarks.md "Tree learners on n-gram features"). The space holds the baseline exactly
    /// (<see cref="BaselineParameter"/>).
    /// </summary>
    /// <param name="auto">The AutoML catalog.</param>
    /// <param name="threadsPerTrial">Threads each trainer may use (1 when trials run in parallel).</param>
    /// <param name="linearOnly">SDCA only (quick runs): the tree trainers cost more even on their selected features.</param>
    public static SweepablePipeline Pipeline(AutoCatalog auto, int? threadsPerTrial, bool linearOnly = false)
    {
        var trainers = linearOnly
            ? [auto.SdcaLogisticRegression(numberOfThreads: threadsPerTrial)]
            : new[]
            {
                auto.SdcaLogisticRegression(numberOfThreads: threadsPerTrial),
                // the trees get their own feature budget: a few thousand selected slots, not the featurizer's 10^4–10^6
                auto.LightGbmBinary(numberOfThreads: threadsPerTrial, selectFeatures: true),
                auto.FastTreeBinary(numberOfThreads: threadsPerTrial, selectFeatures: true),
            };
        // the featurizer's default space, but with a small n-gram cap as its default: the space's default point (no
        // deduplication or oversampling, default cleaning, word unigrams + char trigrams, SDCA) is about as cheap as the baseline
        var featurizer = new SearchSpace<MLNetLlm.AutoML.DefaultSpaces.TextFeaturizerSearchOptions>
        {
            ["MaximumNgramsCount"] = new UniformIntOption(1000, MLNetLlm.AutoML.DefaultSpaces.TextFeaturizerSearchOptions.MaximumNgramsCap, logBase: true, defaultValue: FirstTrialNgramCap),
        };
        return new SweepablePipeline()
            .Append(SweepableEstimator.Skip("no_dedup"), auto.Deduplicate("Text"))
            .Append(SweepableEstimator.Skip("no_oversample"), auto.Oversample("Label"))
            .Append(auto.NormalizeText("Text", "Text"), SweepableEstimator.Skip("raw_text"))
            .Append(auto.FeaturizeText("Features", "Text", featurizer))
            .AppendCacheCheckpoint()
            .Append(trainers);
    }

    /// <summary>The n-gram cap (per length) of the space's default point.</summary>
    internal const int FirstTrialNgramCap = 2000;

    /// <summary>
    /// The hand-written baseline as a point of <see cref="Pipeline"/>'s space: no row steps, raw text, ML.NET's default
    /// FeaturizeText (word 1–2-grams + char trigrams, TF, L2 norm, no cap, stop words kept), SDCA with ML.NET's
    /// data-derived L2, L1 and passes.
    /// </summary>
    public static Parameter BaselineParameter(SweepablePipeline pipeline) => Point(pipeline, normalize: false, oversample: false);

    /// <summary>
    /// The starting points of the search, in order: the baseline; the space's cheap default point; the baseline
    /// with the default text normalizer; and that with random oversampling to 1:1. The last two come from the
    /// cleaning ablation in docs/data-cleaning.md (normalization and oversampling were its largest gains for a linear
    /// model); the search itself still decides by validation F1.
    /// </summary>
    public static IReadOnlyList<Parameter> StartingPoints(SweepablePipeline pipeline) =>
    [
        BaselineParameter(pipeline),
        pipeline.SearchSpace.Default,
        Point(pipeline, normalize: true, oversample: false),
        Point(pipeline, normalize: true, oversample: true),
    ];

    static Parameter Point(SweepablePipeline pipeline, bool normalize, bool oversample)
    {
        var space = pipeline.SearchSpace;
        var p = space.Default;
        var stages = p.Children.ToDictionary(c => c.Key, c => c.Value);
        string Key(string alternative) => stages.Keys.Single(k => k.Split('|').Contains(alternative));
        static Parameter Pick(string name, Parameter value) => Parameter.FromObject(
            [KeyValuePair.Create(OneOfOption.ChoiceKey, Parameter.FromString(name)), KeyValuePair.Create(name, value)]);
        static Parameter With(Parameter p, params (string Key, Parameter Value)[] changes)
        {
            var d = p.Children.ToDictionary(c => c.Key, c => c.Value);
            foreach (var (k, v) in changes)
            {
                if (!d.ContainsKey(k)) throw new InvalidOperationException($"The pipeline's space has no option '{k}'.");
                d[k] = v;
            }
            return Parameter.FromObject(d);
        }
        var empty = Parameter.FromObject([]);
        stages[Key("no_dedup")] = Pick("no_dedup", empty);
        var sampled = (OneOfOption)space[Key("oversample")];
        stages[Key("oversample")] = oversample ? Pick("oversample", sampled["oversample"].Default) : Pick("no_oversample", empty);
        var normalizer = (OneOfOption)space[Key("normalize")];
        stages[Key("normalize")] = normalize ? Pick("normalize", normalizer["normalize"].Default) : Pick("raw_text", empty);
        stages["featurize_text"] = With(stages["featurize_text"],
            ("WordNgramLength", Parameter.FromInt(2)), ("CharNgramLength", Parameter.FromInt(3)), ("Weighting", Parameter.FromString("Tf")),
            ("Norm", Parameter.FromString("L2")), ("MaximumNgramsCount", Parameter.FromInt(MLNetLlm.AutoML.DefaultSpaces.TextFeaturizerSearchOptions.MaximumNgramsCap)),
            ("RemoveStopWords", Parameter.FromBool(false)));
        string trainerKey = Key("sdca");
        var trainer = stages[trainerKey];
        var sdca = trainerKey.Contains('|') ? trainer["sdca"] : trainer;
        sdca = With(sdca, ("UseTrainerDefaults", Parameter.FromBool(true)));
        stages[trainerKey] = trainerKey.Contains('|') ? Pick("sdca", sdca) : sdca;
        // through the hypercube and back (throws if the point is outside the space): the parameter a tuner proposes for it
        return space.SampleFromFeatureSpace(space.MappingToFeatureSpace(Parameter.FromObject(stages)));
    }

    /// <summary>Holdout leaders re-evaluated by cross-validation for the final pick.</summary>
    public const int SelectionTop = 3;

    /// <summary>
    /// Folds of that cross-validation: 3, since every training mail is scored once whatever the fold count (4,824
    /// validation mails instead of the holdout's 965), and 3 folds cost 12 fits for 4 candidates where 5 cost 20.
    /// </summary>
    public const int SelectionFolds = 3;

    /// <summary>Share of the time budget kept for it.</summary>
    public const double SelectionBudgetFraction = 0.35;

    /// <summary>F1 (and accuracy) of a binary model on scored test data.</summary>
    static (double F1, double Accuracy) Score(MLContext ml, ITransformer model, IDataView test)
    {
        var scored = model.Transform(test);
        var m = ml.BinaryClassification.EvaluateNonCalibrated(scored);
        return (m.F1Score, m.Accuracy);
    }

    /// <summary>Runs the baseline and the experiment; returns a Markdown report. Progress lines go to <paramref name="log"/>.</summary>
    /// <param name="trainPath">Training CSV.</param>
    /// <param name="testPath">Test CSV (only used for the final scores).</param>
    /// <param name="seconds">The experiment's time budget.</param>
    /// <param name="maxTrials">An optional trial limit.</param>
    /// <param name="parallelism">Trials at once (trainers then use one thread each).</param>
    /// <param name="linearOnly">Search SDCA only.</param>
    /// <param name="trialTimeout">Per-trial limit (default: a quarter of the budget).</param>
    /// <param name="log">Progress output.</param>
    /// <param name="cancellationToken">Cancels the experiment.</param>
    /// <param name="selectionTop">Holdout leaders re-evaluated by cross-validation (default <see cref="SelectionTop"/>).</param>
    /// <param name="selectionFolds">Folds of that cross-validation (default <see cref="SelectionFolds"/>).</param>
    /// <param name="selectionBudgetFraction">Share of the budget kept for it (default <see cref="SelectionBudgetFraction"/>).</param>
    public static async Task<SpamBenchmarkResult> RunAsync(string trainPath, string testPath, double seconds, int? maxTrials, int parallelism,
        bool linearOnly = false, TimeSpan? trialTimeout = null, TextWriter? log = null, CancellationToken cancellationToken = default,
        int selectionTop = SelectionTop, int selectionFolds = SelectionFolds, double selectionBudgetFraction = SelectionBudgetFraction)
    {
        var ml = new MLContext(0);
        var train = Load(trainPath);
        var test = Load(testPath);

        var baseline = ml.Transforms.Text.FeaturizeText("Features", "Text").AppendCacheCheckpoint(ml)
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression()).Fit(train);
        var (baseF1, baseAcc) = Score(ml, baseline, test);
        log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"baseline FeaturizeText + SDCA: test F1 {baseF1:F4}, accuracy {baseAcc:F4}"));

        var auto = ml.Llm().Auto();
        var pipeline = Pipeline(auto, parallelism > 1 ? 1 : null, linearOnly);
        var starts = StartingPoints(pipeline);
        var experiment = auto.CreateExperiment()
            .SetPipeline(pipeline)
            .SetTrialTimeout(trialTimeout ?? TimeSpan.FromSeconds(seconds / 4))
            .SetDataset(train, validationFraction: 0.2)
            .SetBinaryClassificationMetric(BinaryClassificationMetric.F1Score)
            .SetTrainingTimeInSeconds(seconds)
            .SetParallelism(parallelism)
            // the baseline, the cheap default point and two informed variants first, then the tuner's random design and model
            .SetTuner(space => new SmacTuner(space, seed: 0, startingPoints: starts))
            // the final pick: the holdout leaders and the baseline, by k-fold cross-validation on the whole training file
            .SetCrossValidatedSelection(topTrials: selectionTop, folds: selectionFolds, budgetFraction: selectionBudgetFraction, alwaysInclude: [starts[0]]);
        if (maxTrials is int n) experiment.SetMaxTrials(n);
        experiment.TrialCompleted += (_, r) => log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trial {r.TrialSettings.TrialId}: {r.Status} F1 {r.Metric:F4} in {r.Duration.TotalSeconds:F1} s — {r.Pipeline}{(r.Error is null ? "" : " — " + r.Error)}"));
        var result = await experiment.RunAsync(cancellationToken).ConfigureAwait(false);
        var (bestF1, bestAcc) = Score(ml, result.BestTrial.Model!, test);

        var sb = new StringBuilder();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Train {train.RowCount} rows, test {test.RowCount} rows; budget {seconds} s, {parallelism} trial(s) at once; {result.Trials.Count} trials in {result.Duration.TotalSeconds:F0} s (refit included)."));
        sb.AppendLine();
        sb.AppendLine("| Model | Test F1 | Test accuracy |");
        sb.AppendLine("|---|---:|---:|");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| Baseline: FeaturizeText + SDCA logistic regression | {baseF1:F4} | {baseAcc:F4} |"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| AutoML best (trial {result.BestTrial.TrialSettings.TrialId}: {result.BestTrial.Pipeline}) | {bestF1:F4} | {bestAcc:F4} |"));
        sb.AppendLine();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Final pick by {selectionFolds}-fold cross-validation on the training file among the top {selectionTop} of the holdout and the baseline configuration (trial 1), with {selectionBudgetFraction:P0} of the budget."));
        sb.AppendLine();
        sb.AppendLine("Leaderboard (validation F1, 20% of train):");
        sb.AppendLine();
        sb.Append(result.FormatLeaderboard(10));
        return new SpamBenchmarkResult(baseF1, bestF1, result, sb.ToString());
    }
}
