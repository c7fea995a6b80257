using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms.Text;
using MLNetLlm.Data.Augmentation;
using MLNetLlm.Data.Balancing;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Data.Outliers;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.DataViews;
using MLNetLlm.Data;

namespace MLNetLlm.Benchmarks.Data;

/// <summary>
/// What each cleaning step does to one fixed downstream model — FeaturizeText (word 1–2-grams, no char n-grams) +
/// single-threaded SDCA logistic regression — trained on a labelled text table and scored on an untouched test table.
/// Row steps run through <see cref="TrainingOnlyEstimator{TTransformer}"/>, so the test data is never changed.
/// </summary>
public static class CleaningAblation
{
    /// <summary>One configuration's outcome.</summary>
    public sealed record Row(string Configuration, int TrainRows, double Accuracy, double F1, double Auc, double Seconds, string Reports);

    /// <summary>The configurations compared, in order: name and (normalizer options or null, row steps).</summary>
    public static IReadOnlyList<(string Name, TextNormalizerOptions? Normalize, Func<IRowOperation[]> Steps)> Configurations { get; } =
    [
        ("raw text (no cleaning)", null, () => []),
        ("+ normalize (defaults: NFKC, HTML, lower, whitespace)", new TextNormalizerOptions(), () => []),
        ("+ normalize e-mail (strip headers/MIME, mask URL/e-mail/number)", EmailOptions(), () => []),
        ("e-mail normalize + dedup (exact + MinHash 0.8)", EmailOptions(), () => [new Deduplicator(new DeduplicationOptions())]),
        ("e-mail normalize + outliers (length z > 3)", EmailOptions(), () => [new OutlierFilter(new OutlierOptions())]),
        ("e-mail normalize + random oversampling", EmailOptions(), () => [new LabelBalancer(new BalanceOptions())]),
        ("e-mail normalize + random undersampling", EmailOptions(), () => [new LabelBalancer(new BalanceOptions { Method = BalanceMethod.RandomUndersample })]),
        ("e-mail normalize + EDA oversampling of spam", EmailOptions(), () => [new LabelBalancer(new BalanceOptions { Method = BalanceMethod.AugmentOversample })]),
        ("e-mail normalize + EDA augmentation (1 per row)", EmailOptions(), () => [new TextAugmenter(new AugmentationOptions { AugmentationsPerRow = 1 })]),
        ("e-mail normalize + dedup + outliers + oversampling", EmailOptions(), () => [new Deduplicator(new DeduplicationOptions()), new OutlierFilter(new OutlierOptions()), new LabelBalancer(new BalanceOptions())]),
        ("normalize (defaults) + dedup", new TextNormalizerOptions(), () => [new Deduplicator(new DeduplicationOptions())]),
        ("normalize (defaults) + random oversampling", new TextNormalizerOptions(), () => [new LabelBalancer(new BalanceOptions())]),
        ("normalize (defaults) + dedup + outliers + oversampling", new TextNormalizerOptions(), () => [new Deduplicator(new DeduplicationOptions()), new OutlierFilter(new OutlierOptions()), new LabelBalancer(new BalanceOptions())]),
    ];

    static TextNormalizerOptions EmailOptions() => new() { StripEmailHeaders = true, MaskUrls = true, MaskEmails = true, MaskNumbers = true };

    /// <summary>A view with a text column "Text" and a boolean "Label" (true when the label equals <paramref name="positive"/>).</summary>
    public static InMemoryDataView LabelledView(IReadOnlyList<string> texts, IReadOnlyList<string> labels, string positive = "spam") =>
        InMemoryDataView.FromColumns(
            ("Text", TextDataViewType.Instance, texts.Select(t => t.AsMemory()).ToArray()),
            ("Label", BooleanDataViewType.Instance, labels.Select(l => l == positive).ToArray()));

    /// <summary>Trains and scores every configuration (or those whose index is in <paramref name="only"/>).</summary>
    public static IReadOnlyList<Row> Run(IDataView train, IDataView test, IReadOnlyCollection<int>? only = null, Action<Row>? progress = null)
    {
        var rows = new List<Row>();
        for (int i = 0; i < Configurations.Count; i++)
        {
            if (only != null && !only.Contains(i)) continue;
            var (name, normalize, steps) = Configurations[i];
            var row = RunOne(name, normalize, steps(), train, test);
            rows.Add(row);
            progress?.Invoke(row);
        }
        return rows;
    }

    /// <summary>Trains <c>[normalize] → ApplyWhenTraining(FeaturizeText → SDCA, steps)</c> on <paramref name="train"/> and evaluates on <paramref name="test"/>.</summary>
    public static Row RunOne(string name, TextNormalizerOptions? normalize, IRowOperation[] steps, IDataView train, IDataView test)
    {
        var ml = new MLContext(seed: 1);
        var featurize = ml.Transforms.Text.FeaturizeText("Features", new TextFeaturizingEstimator.Options
        {
            WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 2, UseAllLengths = true },
            CharFeatureExtractor = null,
        }, "Text");
        var sdca = ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options
        {
            LabelColumnName = "Label", FeatureColumnName = "Features", NumberOfThreads = 1, MaximumNumberOfIterations = 50,
        });
        var wrapped = new TrainingOnlyEstimator<TransformerChain<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>>>(featurize.Append(sdca), steps);
        var sw = Stopwatch.StartNew();
        ITransformer model = normalize == null
            ? wrapped.Fit(train)
            : new TextNormalizerEstimator(normalize, ("Text", "Text")).Append(wrapped).Fit(train);
        double seconds = sw.Elapsed.TotalSeconds;
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        int trainRows = wrapped.LastReports.Count > 0 ? wrapped.LastReports[^1].RowsOut : (int)(train.GetRowCount() ?? 0);
        return new Row(name, trainRows, metrics.Accuracy, metrics.F1Score, metrics.AreaUnderRocCurve, seconds,
            string.Join("; ", wrapped.LastReports.Select(r => r.ToString())));
    }
}
