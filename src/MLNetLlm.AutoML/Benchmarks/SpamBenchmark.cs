using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.DataViews;
using MLNetLlm.IO;

namespace MLNetLlm.AutoML.Benchmarks;

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

    /// <summary>The searched pipeline: cleaning variants, optional deduplication, featurizer, trainers.</summary>
    /// <param name="auto">The AutoML catalog.</param>
    /// <param name="threadsPerTrial">Threads each trainer may use (1 when trials run in parallel).</param>
    /// <param name="linearOnly">SDCA only (quick runs): the tree trainers are slow on tens of thousands of n-gram features.</param>
    public static SweepablePipeline Pipeline(AutoCatalog auto, int? threadsPerTrial, bool linearOnly = false)
    {
        var trainers = linearOnly
            ? [auto.SdcaLogisticRegression(numberOfThreads: threadsPerTrial)]
            : new[]
            {
                auto.SdcaLogisticRegression(numberOfThreads: threadsPerTrial),
                auto.LightGbmBinary(numberOfThreads: threadsPerTrial),
                auto.FastTreeBinary(numberOfThreads: threadsPerTrial),
            };
        return new SweepablePipeline()
            .Append(auto.Deduplicate("Text"), SweepableEstimator.Skip())
            .Append(auto.NormalizeText("Text", "Text"))
            .Append(auto.FeaturizeText("Features", "Text"))
            .AppendCacheCheckpoint()
            .Append(trainers);
    }

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
    public static async Task<SpamBenchmarkResult> RunAsync(string trainPath, string testPath, double seconds, int? maxTrials, int parallelism,
        bool linearOnly = false, TimeSpan? trialTimeout = null, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        var ml = new MLContext(0);
        var train = Load(trainPath);
        var test = Load(testPath);

        var baseline = ml.Transforms.Text.FeaturizeText("Features", "Text").AppendCacheCheckpoint(ml)
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression()).Fit(train);
        var (baseF1, baseAcc) = Score(ml, baseline, test);
        log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"baseline FeaturizeText + SDCA: test F1 {baseF1:F4}, accuracy {baseAcc:F4}"));

        var auto = ml.Llm().Auto();
        var experiment = auto.CreateExperiment()
            .SetPipeline(Pipeline(auto, parallelism > 1 ? 1 : null, linearOnly))
            .SetTrialTimeout(trialTimeout ?? TimeSpan.FromSeconds(seconds / 4))
            .SetDataset(train, validationFraction: 0.2)
            .SetBinaryClassificationMetric(BinaryClassificationMetric.F1Score)
            .SetTrainingTimeInSeconds(seconds)
            .SetParallelism(parallelism)
            .SetSmacTuner();
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
        sb.AppendLine("Leaderboard (validation F1, 20% of train):");
        sb.AppendLine();
        sb.Append(result.FormatLeaderboard(10));
        return new SpamBenchmarkResult(baseF1, bestF1, result, sb.ToString());
    }
}
