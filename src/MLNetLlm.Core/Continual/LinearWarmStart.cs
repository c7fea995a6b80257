using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MLNetLlm.Continual;

/// <summary>
/// Continues an ML.NET linear model on new rows from its weights instead of from zero (a warm start): the L-BFGS
/// trainers (logistic regression, maximum entropy, Poisson regression) and the online trainers (averaged perceptron,
/// online gradient descent) through ML.NET's own <c>Fit(trainData, modelParameters)</c> overloads. The SDCA trainers
/// have no warm start in ML.NET; an SDCA logistic-regression or maximum-entropy model is continued by the L-BFGS trainer
/// of the same loss (log-loss, multinomial log-loss) started from SDCA's weights and biases, so the continued model is an
/// L-BFGS model of the same kind. Any other trainer is refused.
/// </summary>
/// <remarks>
/// The new rows must be featurized by the old model's fitted featurizer (the stages before the predictor): a refitted
/// <c>FeaturizeText</c> numbers the n-grams differently and the old weights would not line up. The regularisation pulls
/// towards zero, not towards the old weights; with few new rows, few iterations (or <see cref="LinearWarmStartOptions.NumberOfIterations"/>)
/// and replayed old rows are what keep the old task.
/// </remarks>
/// <example><code>
/// var features = oldChain.Take(oldChain.Count() - 1);          // the old model's featurizer, as fitted
/// var warm = new LinearWarmStart(mlContext, new LinearWarmStartOptions { Trainer = "SdcaLogisticRegression", NumberOfIterations = 20 });
/// var predictor = warm.Fit(featurizedNewRows, oldPredictor);     // an L-BFGS logistic regression started at SDCA's weights
/// </code></example>
public sealed class LinearWarmStart
{
    /// <summary>The trainer names <see cref="LinearWarmStartOptions.Trainer"/> accepts.</summary>
    public static IReadOnlyList<string> Trainers { get; } =
        ["LbfgsLogisticRegression", "LbfgsMaximumEntropy", "LbfgsPoissonRegression", "AveragedPerceptron", "OnlineGradientDescent", "SdcaLogisticRegression", "SdcaMaximumEntropy"];

    /// <summary>Default maximum number of L-BFGS iterations.</summary>
    public const int DefaultLbfgsIterations = 100;

    readonly MLContext _ml;
    readonly LinearWarmStartOptions _options;

    /// <summary>A warm start with <paramref name="options"/>, checked here.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="NotSupportedException">The trainer has no warm start.</exception>
    public LinearWarmStart(MLContext mlContext, LinearWarmStartOptions options)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(options);
        Check(options);
        _ml = mlContext;
        _options = options;
    }

    /// <summary>The trainer that continues a model made by <see cref="LinearWarmStartOptions.Trainer"/> (the SDCA ones by their L-BFGS counterpart).</summary>
    public string ContinuedBy => _options.Trainer switch
    {
        "SdcaLogisticRegression" => "LbfgsLogisticRegression",
        "SdcaMaximumEntropy" => "LbfgsMaximumEntropy",
        var t => t,
    };

    static void Check(LinearWarmStartOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Trainer))
            throw new ArgumentException($"LinearWarmStartOptions.Trainer must name the trainer that made the model (one of {string.Join(", ", Trainers)}).", nameof(o.Trainer));
        if (!Trainers.Contains(o.Trainer))
            throw new NotSupportedException($"'{o.Trainer}' cannot be continued from its weights: warm start supports {string.Join(", ", Trainers)}.");
        if (o.NumberOfIterations is < 1)
            throw new ArgumentException($"LinearWarmStartOptions.NumberOfIterations must be ≥ 1, not {o.NumberOfIterations}.", nameof(o.NumberOfIterations));
        if (!(o.L1Regularization >= 0 && float.IsFinite(o.L1Regularization)))
            throw new ArgumentException($"LinearWarmStartOptions.L1Regularization must be a finite number ≥ 0, not {o.L1Regularization}.", nameof(o.L1Regularization));
        if (!(o.L2Regularization >= 0 && float.IsFinite(o.L2Regularization)))
            throw new ArgumentException($"LinearWarmStartOptions.L2Regularization must be a finite number ≥ 0, not {o.L2Regularization}.", nameof(o.L2Regularization));
        if (o.LearningRate is { } lr && !(lr > 0 && float.IsFinite(lr)))
            throw new ArgumentException($"LinearWarmStartOptions.LearningRate must be a finite number > 0, not {lr}.", nameof(o.LearningRate));
        if (o.NumberOfThreads < 1)
            throw new ArgumentException($"LinearWarmStartOptions.NumberOfThreads must be ≥ 1, not {o.NumberOfThreads}.", nameof(o.NumberOfThreads));
        if (string.IsNullOrEmpty(o.LabelColumnName) || string.IsNullOrEmpty(o.FeatureColumnName))
            throw new ArgumentException("LinearWarmStartOptions.LabelColumnName and FeatureColumnName must name columns.", nameof(o.LabelColumnName));
    }

    /// <summary>
    /// Continues <paramref name="previous"/> (the old model's prediction transformer, or a chain ending in one; its
    /// predictor must be of the kind <see cref="LinearWarmStartOptions.Trainer"/> makes) on <paramref name="trainData"/>,
    /// whose feature column the old featurizer made.
    /// </summary>
    /// <returns>The new prediction transformer (binary, multiclass or regression, like the old).</returns>
    /// <exception cref="ArgumentException">The previous model is not of the trainer's kind, or its size does not match the data.</exception>
    public ISingleFeaturePredictionTransformer<object> Fit(IDataView trainData, ITransformer previous)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        ArgumentNullException.ThrowIfNull(previous);
        var predictor = LastPredictor(previous)
            ?? throw new ArgumentException($"The previous model has no prediction transformer to continue ({previous.GetType().Name}).", nameof(previous));
        object model = predictor.Model;
        var o = _options;
        int lbfgsIterations = o.NumberOfIterations ?? DefaultLbfgsIterations, passes = o.NumberOfIterations ?? 1;
        try
        {
            switch (ContinuedBy)
            {
                case "LbfgsLogisticRegression":
                {
                    var linear = LinearOf(model, typeof(LinearBinaryModelParameters));
                    var trainer = _ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
                    {
                        LabelColumnName = o.LabelColumnName, FeatureColumnName = o.FeatureColumnName, ExampleWeightColumnName = o.ExampleWeightColumnName,
                        L1Regularization = o.L1Regularization, L2Regularization = o.L2Regularization, MaximumNumberOfIterations = lbfgsIterations,
                        NumberOfThreads = o.NumberOfThreads, Quiet = true,
                    });
                    return (ISingleFeaturePredictionTransformer<object>)trainer.Fit(trainData, linear);
                }
                case "LbfgsMaximumEntropy":
                {
                    var maxEnt = model as MaximumEntropyModelParameters ?? throw Mismatch(model, nameof(MaximumEntropyModelParameters));
                    var trainer = _ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
                    {
                        LabelColumnName = o.LabelColumnName, FeatureColumnName = o.FeatureColumnName, ExampleWeightColumnName = o.ExampleWeightColumnName,
                        L1Regularization = o.L1Regularization, L2Regularization = o.L2Regularization, MaximumNumberOfIterations = lbfgsIterations,
                        NumberOfThreads = o.NumberOfThreads, Quiet = true,
                    });
                    return (ISingleFeaturePredictionTransformer<object>)trainer.Fit(trainData, maxEnt);
                }
                case "LbfgsPoissonRegression":
                {
                    var linear = LinearOf(model, typeof(PoissonRegressionModelParameters));
                    var trainer = _ml.Regression.Trainers.LbfgsPoissonRegression(new LbfgsPoissonRegressionTrainer.Options
                    {
                        LabelColumnName = o.LabelColumnName, FeatureColumnName = o.FeatureColumnName, ExampleWeightColumnName = o.ExampleWeightColumnName,
                        L1Regularization = o.L1Regularization, L2Regularization = o.L2Regularization, MaximumNumberOfIterations = lbfgsIterations,
                        NumberOfThreads = o.NumberOfThreads, Quiet = true,
                    });
                    return (ISingleFeaturePredictionTransformer<object>)trainer.Fit(trainData, linear);
                }
                case "AveragedPerceptron":
                {
                    var linear = LinearOf(model, typeof(LinearBinaryModelParameters));
                    var options = new AveragedPerceptronTrainer.Options
                    {
                        LabelColumnName = o.LabelColumnName, FeatureColumnName = o.FeatureColumnName, NumberOfIterations = passes,
                    };
                    if (o.LearningRate is { } lr) options.LearningRate = lr;
                    return (ISingleFeaturePredictionTransformer<object>)_ml.BinaryClassification.Trainers.AveragedPerceptron(options).Fit(trainData, linear);
                }
                case "OnlineGradientDescent":
                {
                    var linear = LinearOf(model, typeof(LinearRegressionModelParameters));
                    var options = new OnlineGradientDescentTrainer.Options
                    {
                        LabelColumnName = o.LabelColumnName, FeatureColumnName = o.FeatureColumnName, NumberOfIterations = passes,
                    };
                    if (o.LearningRate is { } lr) options.LearningRate = lr;
                    return (ISingleFeaturePredictionTransformer<object>)_ml.Regression.Trainers.OnlineGradientDescent(options).Fit(trainData, linear);
                }
                default:
                    throw new NotSupportedException($"'{o.Trainer}' cannot be continued from its weights.");
            }
        }
        catch (InvalidOperationException e) when (e.Message.Contains("different number of", StringComparison.Ordinal))
        {
            // ML.NET: "The initialization predictor has different number of features/classes than the training data."
            throw new ArgumentException($"The {o.Trainer} model does not fit the new rows: {e.Message} (featurize them with the old model's fitted featurizer).", nameof(trainData), e);
        }
    }

    /// <summary>The linear part of a (possibly calibrated) model, of the type the trainer needs.</summary>
    LinearModelParameters LinearOf(object model, Type expected)
    {
        var linear = model as LinearModelParameters
            // A calibrated model (CalibratedModelParametersBase<TSubModel, TCalibrator>) carries the linear model as SubModel.
            ?? model.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.Name == "SubModel" && p.GetIndexParameters().Length == 0)
                .Select(p => p.GetValue(model) as LinearModelParameters).FirstOrDefault(l => l != null);
        if (linear is null || !expected.IsInstanceOfType(linear) || linear is PoissonRegressionModelParameters && expected != typeof(PoissonRegressionModelParameters))
            throw Mismatch(model, expected.Name);
        return linear;
    }

    ArgumentException Mismatch(object model, string expected) =>
        new($"The previous model's predictor is a {Describe(model)}, not the {expected} that {_options.Trainer} makes: give the trainer that made it.", "previous");

    static string Describe(object model) => model.GetType() is { IsGenericType: true } t
        ? t.Name.Split('`')[0] + "<" + string.Join(", ", t.GetGenericArguments().Select(a => a.Name)) + ">"
        : model.GetType().Name;

    static ISingleFeaturePredictionTransformer<object>? LastPredictor(ITransformer model)
    {
        if (model is ISingleFeaturePredictionTransformer<object> p) return p;
        if (model is IEnumerable<ITransformer> chain)
            foreach (var stage in chain.Reverse())
                if (LastPredictor(stage) is { } found) return found;
        return null;
    }
}
