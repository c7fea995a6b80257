using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MLNetLlm.Continual;

namespace MLNetLlm.Core.Tests.Continual;

/// <summary>
/// Warm start of the linear trainers: a continued model starts at the old model's weights (so at its loss), goes down
/// from there on the new rows, and is refused for trainers ML.NET cannot continue. The objective is recomputed here
/// from the weights (log-loss, softmax cross-entropy) as the reference.
/// </summary>
public sealed class LinearWarmStartTests
{
    sealed class Row
    {
        [VectorType(Dim)] public float[] Features { get; set; } = [];
        public bool Label { get; set; }
        public uint Class { get; set; }
        public float Value { get; set; }
    }

    const int Dim = 6;

    /// <summary>
    /// Rows whose label follows a fixed linear rule <paramref name="w"/> (with label noise); task B's rule differs from
    /// task A's in the weights of the last features, so a model of A is wrong on part of B.
    /// </summary>
    static List<Row> Rows(int n, int seed, float[] w)
    {
        var random = new Random(seed);
        var rows = new List<Row>();
        for (int i = 0; i < n; i++)
        {
            var x = Enumerable.Range(0, Dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            double s = x.Zip(w, (a, b) => (double)a * b).Sum() + 0.2;
            bool label = s + (random.NextDouble() - 0.5) * 0.6 > 0;
            // three classes by the score's third, and a Poisson-style count / linear value for regression
            uint cls = s < -0.5 ? 1u : s < 0.5 ? 2u : 3u;
            rows.Add(new Row { Features = x, Label = label, Class = cls, Value = (float)(s * 2 + random.NextDouble() * 0.1) });
        }
        return rows;
    }

    static readonly float[] RuleA = [2, -1, 1.5f, 0.5f, 0, 0];
    static readonly float[] RuleB = [2, -1, 0, 0, 2.5f, -2];

    static IDataView View(MLContext ml, List<Row> rows) => ml.Data.LoadFromEnumerable(rows);

    static IDataView Multiclass(MLContext ml, List<Row> rows) =>
        ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyData: ml.Data.LoadFromEnumerable(new[] { 1u, 2u, 3u }.Select(c => new { Class = c })))
            .Fit(View(ml, rows)).Transform(View(ml, rows));

    /// <summary>Mean log-loss (natural log) of a binary linear model's weights on rows, plus the L-BFGS L2 term (L2/2·‖w‖²)/n.</summary>
    static double BinaryObjective(LinearBinaryModelParameters m, List<Row> rows, double l2)
    {
        var w = m.Weights.ToArray();
        double loss = rows.Sum(r =>
        {
            double s = m.Bias + r.Features.Zip(w, (a, b) => (double)a * b).Sum();
            return r.Label ? Math.Log(1 + Math.Exp(-s)) : Math.Log(1 + Math.Exp(s));
        });
        return (loss + l2 / 2 * w.Sum(x => (double)x * x)) / rows.Count;
    }

    /// <summary>Mean softmax cross-entropy of a maximum-entropy model's weights on rows.</summary>
    static double MulticlassLoss(MaximumEntropyModelParameters m, List<Row> rows)
    {
        VBuffer<float>[] weights = default!;
        m.GetWeights(ref weights, out int classes);
        var biases = m.GetBiases().ToArray();
        return rows.Average(r =>
        {
            var scores = Enumerable.Range(0, classes).Select(k => biases[k] + r.Features.Zip(weights[k].DenseValues(), (a, b) => (double)a * b).Sum()).ToArray();
            double max = scores.Max(), log = max + Math.Log(scores.Sum(s => Math.Exp(s - max)));
            return log - scores[r.Class - 1];
        });
    }

    static float[] Scores(MLContext ml, ITransformer model, IDataView data) =>
        model.Transform(data).GetColumn<float>("Score").ToArray();

    [Fact]
    public void ContinuingAnLbfgsOptimumOnTheSameRowsStaysAtItsLoss()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(300, 1, RuleA);
        var options = new LbfgsLogisticRegressionBinaryTrainer.Options { L1Regularization = 0, L2Regularization = 0.01f, OptimizationTolerance = 1e-10f, NumberOfThreads = 1 };
        var old = ml.BinaryClassification.Trainers.LbfgsLogisticRegression(options).Fit(View(ml, rows));
        var warm = new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "LbfgsLogisticRegression", L1Regularization = 0, L2Regularization = 0.01f, NumberOfIterations = 1 });
        var continued = (BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>)warm.Fit(View(ml, rows), old);

        double before = BinaryObjective(old.Model.SubModel, rows, 0.01), after = BinaryObjective(continued.Model.SubModel, rows, 0.01);
        // one iteration from the optimum: the loss cannot go down (it is the minimum) nor up (L-BFGS's line search only accepts descent)
        AssertClose.Equal(before, after, abs: 1e-5, what: "objective after one warm iteration from the optimum");
        var (a, b) = (Scores(ml, old, View(ml, rows)), Scores(ml, continued, View(ml, rows)));
        for (int i = 0; i < a.Length; i++) AssertClose.Equal(a[i], b[i], abs: 2e-3, what: $"score of row {i}");

        // a cold start with one iteration is nowhere near: the warm start did take the old weights
        var cold = ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            { L1Regularization = 0, L2Regularization = 0.01f, MaximumNumberOfIterations = 1, NumberOfThreads = 1 }).Fit(View(ml, rows));
        Assert.True(BinaryObjective(cold.Model.SubModel, rows, 0.01) > before + 0.05, "a one-iteration cold start should be far above the optimum");
    }

    [Fact]
    public void AnSdcaModelIsContinuedByLbfgsFromItsWeightsAndImprovesOnTheNewRows()
    {
        var ml = new MLContext(seed: 1);
        var (a, b, bTest) = (Rows(300, 1, RuleA), Rows(300, 2, RuleB), Rows(300, 3, RuleB));
        // SDCA's objective is mean loss + λ/2·‖w‖²; L-BFGS's is (Σ loss + L2/2·‖w‖²)/n: the same for λ = L2/n
        var old = ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options
            { NumberOfThreads = 1, L1Regularization = 0, L2Regularization = 0.01f / a.Count, ConvergenceTolerance = 1e-6f, MaximumNumberOfIterations = 500 }).Fit(View(ml, a));
        var one = new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "SdcaLogisticRegression", NumberOfIterations = 1 });
        Assert.Equal("LbfgsLogisticRegression", one.ContinuedBy);

        // on SDCA's own rows L-BFGS starts at (nearly) its optimum: one iteration barely moves the objective, where a cold one is far off
        double own = BinaryObjective(old.Model.SubModel, a, 0.01);
        var stay = (BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>)one.Fit(View(ml, a), old);
        double ownAfter = BinaryObjective(stay.Model.SubModel, a, 0.01);
        Assert.True(ownAfter <= own + 1e-6 && ownAfter > own - 0.01, $"one iteration from SDCA's optimum: {own} → {ownAfter}");
        var cold = ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            { L1Regularization = 0, L2Regularization = 0.01f, MaximumNumberOfIterations = 1, NumberOfThreads = 1 }).Fit(View(ml, a));
        Assert.True(BinaryObjective(cold.Model.SubModel, a, 0.01) > own + 0.05, "a one-iteration cold start should be far above SDCA's optimum");

        // on task B's rows it goes down from the old model's objective and ends well below it
        double start = BinaryObjective(old.Model.SubModel, b, 0.01);
        var step = (BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>)one.Fit(View(ml, b), old);
        Assert.True(BinaryObjective(step.Model.SubModel, b, 0.01) <= start + 1e-6, $"one iteration went up from {start}");
        var full = (BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>)
            new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "SdcaLogisticRegression" }).Fit(View(ml, b), old);
        double end = BinaryObjective(full.Model.SubModel, b, 0.01);
        Assert.True(end < start - 0.05, $"the continued model should fit the new rows better: objective {start} → {end}");
        double Accuracy(ITransformer m) => ml.BinaryClassification.Evaluate(m.Transform(View(ml, bTest))).Accuracy;
        Assert.True(Accuracy(full) > Accuracy(old) + 0.03, $"accuracy on the new task's test rows: old {Accuracy(old):F3}, continued {Accuracy(full):F3}");
    }

    [Fact]
    public void AMaximumEntropyModelIsContinuedFromItsWeights()
    {
        var ml = new MLContext(seed: 1);
        var (a, b) = (Rows(300, 1, RuleA), Rows(300, 2, RuleB));
        // an L-BFGS optimum continued on its own rows stays at its loss (no L2 here: the reference is the plain cross-entropy)
        var lbfgs = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            { NumberOfThreads = 1, L1Regularization = 0, L2Regularization = 0, OptimizationTolerance = 1e-10f, MaximumNumberOfIterations = 300 }).Fit(Multiclass(ml, a));
        var again = (MulticlassPredictionTransformer<MaximumEntropyModelParameters>)
            new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "LbfgsMaximumEntropy", NumberOfIterations = 1, L2Regularization = 0 }).Fit(Multiclass(ml, a), lbfgs);
        AssertClose.Equal(MulticlassLoss(lbfgs.Model, a), MulticlassLoss(again.Model, a), abs: 1e-4, what: "cross-entropy after one warm iteration from the optimum");

        // an SDCA model: one L-BFGS iteration on task B only goes down from its loss; continued to the end, it fits B far better
        var old = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = 1 }).Fit(Multiclass(ml, a));
        double start = MulticlassLoss(old.Model, b);
        var step = (MulticlassPredictionTransformer<MaximumEntropyModelParameters>)
            new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "SdcaMaximumEntropy", NumberOfIterations = 1, L2Regularization = 0 }).Fit(Multiclass(ml, b), old);
        Assert.True(MulticlassLoss(step.Model, b) <= start + 1e-6, $"one iteration from SDCA's weights went up from {start}");
        var full = (MulticlassPredictionTransformer<MaximumEntropyModelParameters>)
            new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "SdcaMaximumEntropy", L2Regularization = 0 }).Fit(Multiclass(ml, b), old);
        Assert.True(MulticlassLoss(full.Model, b) < start / 2, $"continued cross-entropy {MulticlassLoss(full.Model, b)} vs old {start}");
    }

    [Fact]
    public void OnlineTrainersAtAVanishingLearningRateKeepTheOldModelsPredictions()
    {
        var ml = new MLContext(seed: 1);
        var (a, b) = (Rows(200, 1, RuleA), Rows(200, 2, RuleB));
        var ap = ml.BinaryClassification.Trainers.AveragedPerceptron(new AveragedPerceptronTrainer.Options { NumberOfIterations = 3 }).Fit(View(ml, a));
        var apNext = new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "AveragedPerceptron", LearningRate = 1e-12f }).Fit(View(ml, b), ap);
        var (s0, s1) = (Scores(ml, ap, View(ml, b)), Scores(ml, apNext, View(ml, b)));
        // ML.NET's averaged linear trainers (perceptron, gradient descent) do not carry the old weights and bias over exactly (its averaging restarts): equal within 0.02 + 1 %
        for (int i = 0; i < s0.Length; i++) AssertClose.Equal(s0[i], s1[i], abs: 0.02, rel: 1e-2, what: $"perceptron score of row {i}");
        // at its own rate it does move (towards task B)
        var apMoved = new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "AveragedPerceptron" }).Fit(View(ml, b), ap);
        Assert.NotEqual(s0, Scores(ml, apMoved, View(ml, b)));

        var ogd = ml.Regression.Trainers.OnlineGradientDescent(new OnlineGradientDescentTrainer.Options { LabelColumnName = "Value", NumberOfIterations = 5 }).Fit(View(ml, a));
        var ogdNext = new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "OnlineGradientDescent", LabelColumnName = "Value", LearningRate = 1e-12f }).Fit(View(ml, b), ogd);
        var (r0, r1) = (Scores(ml, ogd, View(ml, b)), Scores(ml, ogdNext, View(ml, b)));
        for (int i = 0; i < r0.Length; i++) AssertClose.Equal(r0[i], r1[i], abs: 0.02, rel: 1e-2, what: $"gradient-descent score of row {i}");
    }

    [Fact]
    public void APoissonModelIsContinuedAndTheChainsLastPredictorIsFound()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(200, 1, RuleA).Select(r => { r.Value = r.Class; return r; }).ToList();
        var chain = ml.Transforms.CopyColumns("Copy", "Features")
            .Append(ml.Regression.Trainers.LbfgsPoissonRegression(new LbfgsPoissonRegressionTrainer.Options { LabelColumnName = "Value", NumberOfThreads = 1, OptimizationTolerance = 1e-10f, L1Regularization = 0, L2Regularization = 0.01f }))
            .Fit(View(ml, rows));
        var next = new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "LbfgsPoissonRegression", LabelColumnName = "Value", NumberOfIterations = 1 }).Fit(View(ml, rows), chain);
        var (s0, s1) = (Scores(ml, chain, View(ml, rows)), Scores(ml, next, View(ml, rows)));
        for (int i = 0; i < s0.Length; i++) AssertClose.Equal(s0[i], s1[i], abs: 5e-3, rel: 5e-3, what: $"Poisson prediction of row {i}");
    }

    [Fact]
    public void OtherTrainersAndMismatchedModelsAreRefusedInOneLine()
    {
        var ml = new MLContext(seed: 1);
        foreach (var name in new[] { "FastTree", "SdcaRegression", "LinearSvm" })
        {
            var e = Assert.Throws<NotSupportedException>(() => new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = name }));
            Assert.Contains($"'{name}'", e.Message);
            Assert.Contains("SdcaLogisticRegression", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        // a binary model handed over as maximum entropy, a regression as logistic regression
        var rows = Rows(100, 1, RuleA);
        var binary = ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options { NumberOfThreads = 1 }).Fit(View(ml, rows));
        var wrong = Assert.Throws<ArgumentException>(() => new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "LbfgsMaximumEntropy" }).Fit(Multiclass(ml, rows), binary));
        Assert.Contains("LbfgsMaximumEntropy", wrong.Message);
        Assert.Contains("MaximumEntropyModelParameters", wrong.Message);
        var ogd = ml.Regression.Trainers.OnlineGradientDescent(new OnlineGradientDescentTrainer.Options { LabelColumnName = "Value" }).Fit(View(ml, rows));
        Assert.Throws<ArgumentException>(() => new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "LbfgsLogisticRegression" }).Fit(View(ml, rows), ogd));
        Assert.Throws<ArgumentException>(() => new LinearWarmStart(ml, new LinearWarmStartOptions { Trainer = "AveragedPerceptron" }).Fit(View(ml, rows), ml.Transforms.CopyColumns("A", "Features").Fit(View(ml, rows))));
    }

    [Fact]
    public void OptionsAreChecked()
    {
        var ml = new MLContext(seed: 1);
        void Bad(string option, LinearWarmStartOptions o)
        {
            var e = Assert.Throws<ArgumentException>(() => new LinearWarmStart(ml, o));
            Assert.Contains(option, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        Bad("Trainer", new LinearWarmStartOptions());
        Bad("NumberOfIterations", new LinearWarmStartOptions { Trainer = "LbfgsLogisticRegression", NumberOfIterations = 0 });
        Bad("L1Regularization", new LinearWarmStartOptions { Trainer = "LbfgsLogisticRegression", L1Regularization = -1 });
        Bad("L2Regularization", new LinearWarmStartOptions { Trainer = "LbfgsLogisticRegression", L2Regularization = float.NaN });
        Bad("LearningRate", new LinearWarmStartOptions { Trainer = "AveragedPerceptron", LearningRate = 0 });
        Bad("NumberOfThreads", new LinearWarmStartOptions { Trainer = "AveragedPerceptron", NumberOfThreads = 0 });
        var defaults = new LinearWarmStartOptions();
        Assert.Equal((0f, 0.01f, null, null, 1), (defaults.L1Regularization, defaults.L2Regularization, defaults.NumberOfIterations, defaults.LearningRate, defaults.NumberOfThreads));
    }
}
