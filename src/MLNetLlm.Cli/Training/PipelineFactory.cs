using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MLNetLlm.Data;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// The classic (non-AutoML) pipeline <c>train</c> fits: text normalization, ML.NET's bag-of-n-grams featurizer per
/// text column, and an SDCA linear trainer for the task.
/// </summary>
internal static class PipelineFactory
{
    /// <summary>The column the featurized text ends up in.</summary>
    public const string FeaturesColumn = "Features";

    /// <summary>Multiclass models also output the predicted class's name (PredictedLabel stays a key for evaluation).</summary>
    public const string PredictedClassColumn = "PredictedClass";

    /// <summary>The name of the trainer <see cref="Create"/> uses for a task, for reports.</summary>
    public static string TrainerName(TaskKind task) => task switch
    {
        TaskKind.Binary => "SdcaLogisticRegression",
        TaskKind.Multiclass => "SdcaMaximumEntropy",
        _ => "SdcaRegression",
    };

    /// <summary>The pipeline <see cref="Create"/> builds, as one line of text for leaderboards and logs.</summary>
    public static string Describe(ModelSignature signature, RunConfig config)
    {
        string normalize = config.Normalization == null ? "" : $"NormalizeText({config.Normalization.Summary}) → ";
        if (config.Transformer is { } t && config.Trainer == "bert")
        {
            string model = t.Pretrained == null ? "BERT from scratch" : $"BERT {PretrainedArgument.Label(t.Pretrained)}";
            string trainer = signature.Task == TaskKind.Regression ? "SentencePairRegression" : "TextClassification";
            return $"{normalize}{trainer}({model}, {(t.Epochs is { } n ? $"{n} epoch(s)" : "default epochs")}, max length {t.MaxLengthOrDefault}, {string.Join(" + ", signature.TextColumns)})";
        }
        string balance = config.Balance is null or "none" || signature.Task == TaskKind.Regression ? "" : $"Balance({config.Balance}) → ";
        if (config.EmbeddingOrNull is { } e)
            return normalize + string.Join(" → ", signature.TextColumns.Select(c => $"SentenceEmbedding({e.Name}, {c})")) + " → " + balance + TrainerName(signature.Task);
        string segment = Languages.ChineseSteps.Applies(config.ResolvedLanguage, config.Trainer) ? "SegmentWords(jieba) → " : "";
        return normalize + segment + string.Join(" → ", signature.TextColumns.Select(c => $"FeaturizeText({c})")) + " → " + balance + TrainerName(signature.Task);
    }

    /// <summary>The featurization steps for the text columns, ending in <see cref="FeaturesColumn"/>: n-grams (after jieba word segmentation when <paramref name="segmentChinese"/>), or sentence embeddings when <paramref name="embedding"/> is given.</summary>
    public static IEstimator<ITransformer> Featurizer(MLContext ml, IReadOnlyList<string> textColumns, TextNormalizerOptions? normalization, EmbeddingSettings? embedding = null, bool segmentChinese = false)
    {
        IEstimator<ITransformer>? chain = null;
        if (normalization != null)
            foreach (var column in textColumns)
                chain = chain == null ? ml.Llm().NormalizeText(column, options: normalization) : chain.Append(ml.Llm().NormalizeText(column, options: normalization));
        if (segmentChinese)
            foreach (var column in textColumns)
                chain = chain == null ? Languages.ChineseSteps.Segment(ml, column) : chain.Append(Languages.ChineseSteps.Segment(ml, column));
        var featureColumns = new List<string>();
        for (int i = 0; i < textColumns.Count; i++)
        {
            string output = textColumns.Count == 1 ? FeaturesColumn : $"__features{i}";
            IEstimator<ITransformer> step = embedding is null
                ? ml.Transforms.Text.FeaturizeText(output, textColumns[i])
                : ml.Llm().SentenceEmbedding(output, textColumns[i], embedding.Options());
            chain = chain == null ? step : chain.Append(step);
            featureColumns.Add(output);
        }
        if (featureColumns.Count > 1) chain = chain!.Append(ml.Transforms.Concatenate(FeaturesColumn, featureColumns.ToArray()));
        return chain!;
    }

    /// <summary>The whole pipeline for a task (the part that is saved in the model file).</summary>
    public static IEstimator<ITransformer> Create(MLContext ml, ModelSignature signature, RunConfig config,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        var normalization = config.Normalization;
        if (config.Trainer == "bert") return Transformer(ml, signature, config, progress, cancel);
        // SDCA makes many passes over the data: cache the features instead of featurizing the text on every pass.
        var features = Featurizer(ml, signature.TextColumns, normalization, config.EmbeddingOrNull,
            config.EmbeddingOrNull is null && Languages.ChineseSteps.Applies(config.ResolvedLanguage, config.Trainer)).AppendCacheCheckpoint(ml);
        const string label = ModelSignature.LabelColumnName;
        // --balance: the trainer's training rows are balanced first (training only; the saved model is the trainer's)
        IEstimator<ITransformer> Balanced(IEstimator<ITransformer> trainer) => ClassBalance.Wrap(ml, trainer, config.Balance, config.Seed);
        return signature.Task switch
        {
            TaskKind.Binary => features.Append(Balanced(ml.BinaryClassification.Trainers.SdcaLogisticRegression(
                new SdcaLogisticRegressionBinaryTrainer.Options { LabelColumnName = label, FeatureColumnName = FeaturesColumn, NumberOfThreads = 1 }))),
            TaskKind.Multiclass => features
                .Append(Balanced(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(
                    new SdcaMaximumEntropyMulticlassTrainer.Options { LabelColumnName = label, FeatureColumnName = FeaturesColumn, NumberOfThreads = 1 })))
                .Append(ml.Transforms.Conversion.MapKeyToValue(PredictedClassColumn, "PredictedLabel")),
            _ => features.Append(ml.Regression.Trainers.Sdca(
                new SdcaRegressionTrainer.Options { LabelColumnName = label, FeatureColumnName = FeaturesColumn, NumberOfThreads = 1 })),
        };
    }

    /// <summary>Normalization (optional) and a BERT trainer from MLNetLlm.Torch for the task.</summary>
    static IEstimator<ITransformer> Transformer(MLContext ml, ModelSignature signature, RunConfig config, IProgress<TrainingProgress>? progress, CancellationToken cancel)
    {
        var t = config.Transformer ?? new TransformerSettings();
        T Common<T>(T o) where T : TransformerTrainingOptions
        {
            o.PretrainedModelPath = t.Pretrained;
            if (t.Epochs is { } epochs) o.NumberOfEpochs = epochs; // else the trainer's default (more epochs for small data when pretrained)
            o.BatchSize = t.BatchSizeOrDefault;
            o.MaxLength = t.MaxLengthOrDefault;
            o.LearningRate = t.LearningRate;
            o.Device = t.Device;
            o.Seed = config.Seed;
            o.Progress = progress;
            o.CancellationToken = cancel;
            return o;
        }
        var cols = signature.TextColumns;
        IEstimator<ITransformer> trainer = signature.Task == TaskKind.Regression
            ? ml.Llm().SentencePairRegression(Common(new SentencePairRegressionTrainer.Options
            {
                LabelColumnName = ModelSignature.LabelColumnName, FirstTextColumnName = cols[0], SecondTextColumnName = cols[1],
            }))
            : ml.Llm().TextClassification(Common(new TextClassificationTrainer.Options
            {
                LabelColumnName = ModelSignature.LabelColumnName, TextColumnName = cols[0], SecondTextColumnName = cols.Count > 1 ? cols[1] : null,
            }));
        IEstimator<ITransformer>? chain = null;
        if (config.Normalization != null)
            foreach (var column in cols)
                chain = chain == null ? ml.Llm().NormalizeText(column, options: config.Normalization) : chain.Append(ml.Llm().NormalizeText(column, options: config.Normalization));
        chain = chain == null ? trainer : chain.Append(trainer);
        if (signature.Task == TaskKind.Multiclass) chain = chain.Append(ml.Transforms.Conversion.MapKeyToValue(PredictedClassColumn, "PredictedLabel"));
        return chain;
    }

    /// <summary>
    /// C# code (an expression over <c>mlContext</c>) that builds the same pipeline as <see cref="Create"/>; the generated
    /// training code uses it. Keep the two in step.
    /// </summary>
    public static string Code(ModelSignature signature, RunConfig config)
    {
        var normalization = config.Normalization;
        var steps = new List<string>();
        if (config.Trainer == "bert") return TransformerCode(signature, config);
        if (normalization != null)
            foreach (var column in signature.TextColumns)
                steps.Add($"mlContext.Llm().NormalizeText({Lit(column)}, options: {NormalizationCode(normalization)})");
        if (Languages.ChineseSteps.Applies(config.ResolvedLanguage, config.Trainer))
            foreach (var column in signature.TextColumns) steps.Add(Languages.ChineseSteps.SegmentCode(column));
        var featureColumns = new List<string>();
        for (int i = 0; i < signature.TextColumns.Count; i++)
        {
            string output = signature.TextColumns.Count == 1 ? FeaturesColumn : $"__features{i}";
            steps.Add(config.EmbeddingOrNull is { } e
                ? $"mlContext.Llm().SentenceEmbedding({Lit(output)}, {Lit(signature.TextColumns[i])}, {EmbeddingOptionsCode(e)})"
                : $"mlContext.Transforms.Text.FeaturizeText({Lit(output)}, {Lit(signature.TextColumns[i])})");
            featureColumns.Add(output);
        }
        if (featureColumns.Count > 1)
            steps.Add($"mlContext.Transforms.Concatenate({Lit(FeaturesColumn)}, {string.Join(", ", featureColumns.Select(Lit))})");
        string options = $"{{ LabelColumnName = \"{ModelSignature.LabelColumnName}\", FeatureColumnName = {Lit(FeaturesColumn)}, NumberOfThreads = 1 }}";
        string chain = steps[0] + string.Concat(steps.Skip(1).Select(step => $"\n            .Append({step})"));
        chain += "\n            .AppendCacheCheckpoint(mlContext)";
        chain += signature.Task switch
        {
            TaskKind.Binary => $"\n            .Append({ClassBalance.WrapCode($"mlContext.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options {options})", config.Balance, config.Seed)})",
            TaskKind.Multiclass => $"\n            .Append({ClassBalance.WrapCode($"mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options {options})", config.Balance, config.Seed)})" +
                                   $"\n            .Append(mlContext.Transforms.Conversion.MapKeyToValue({Lit(PredictedClassColumn)}, \"PredictedLabel\"))",
            _ => $"\n            .Append(mlContext.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options {options}))",
        };
        return chain;
    }

    static string TransformerCode(ModelSignature signature, RunConfig config)
    {
        var t = config.Transformer ?? new TransformerSettings();
        var cols = signature.TextColumns;
        string common = $"PretrainedModelPath = {(t.Pretrained == null ? "null" : Lit(PretrainedArgument.Portable(t.Pretrained)))}, {(t.Epochs is { } e ? $"NumberOfEpochs = {e}, " : "")}" +
                        $"BatchSize = {t.BatchSizeOrDefault}, MaxLength = {t.MaxLengthOrDefault}, " +
                        $"LearningRate = {(t.LearningRate is { } lr ? lr.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "null")}, " +
                        $"Device = {Lit(t.Device)}, Seed = {config.Seed}";
        var steps = new List<string>();
        if (config.Normalization != null)
            foreach (var column in cols)
                steps.Add($"mlContext.Llm().NormalizeText({Lit(column)}, options: {NormalizationCode(config.Normalization)})");
        steps.Add(signature.Task == TaskKind.Regression
            ? $"mlContext.Llm().SentencePairRegression(new SentencePairRegressionTrainer.Options {{ LabelColumnName = \"Label\", FirstTextColumnName = {Lit(cols[0])}, SecondTextColumnName = {Lit(cols[1])}, {common} }})"
            : $"mlContext.Llm().TextClassification(new TextClassificationTrainer.Options {{ LabelColumnName = \"Label\", TextColumnName = {Lit(cols[0])}, " +
              $"SecondTextColumnName = {(cols.Count > 1 ? Lit(cols[1]) : "null")}, {common} }})");
        if (signature.Task == TaskKind.Multiclass) steps.Add($"mlContext.Transforms.Conversion.MapKeyToValue({Lit(PredictedClassColumn)}, \"PredictedLabel\")");
        // A single estimator still needs the IEstimator<ITransformer> type of BuildPipeline.
        return (steps.Count == 1 ? $"(IEstimator<ITransformer>){steps[0]}" : steps[0]) + string.Concat(steps.Skip(1).Select(step => $"\n            .Append({step})"));
    }

    /// <summary>A C# object initializer for the options, listing the properties that differ from the defaults.</summary>
    internal static string NormalizationCode(TextNormalizerOptions options)
    {
        var defaults = new TextNormalizerOptions();
        var set = typeof(TextNormalizerOptions).GetProperties()
            .Where(p => p.CanWrite && p.CanRead && !Equals(p.GetValue(options), p.GetValue(defaults)))
            .Select(p => $"{p.Name} = {(p.GetValue(options) is string str ? Lit(str) : p.GetValue(options)!.ToString()!.ToLowerInvariant())}");
        string body = string.Join(", ", set);
        return body.Length == 0 ? "new TextNormalizerOptions()" : $"new TextNormalizerOptions {{ {body} }}";
    }

    static string Lit(string s) => CodeGen.CSharpNames.Literal(s);

    /// <summary>A C# object creation for the embedding estimator's options of <paramref name="e"/> (a folder made absolute).</summary>
    internal static string EmbeddingOptionsCode(EmbeddingSettings e)
    {
        string I(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string model = PretrainedArgument.Portable(e.Model);
        return $"new MLNetLlm.Torch.Embeddings.SentenceEmbeddingEstimator.Options {{ PretrainedModel = {Lit(model)}, " +
               $"MaxLength = {(e.MaxLength is { } m ? I(m) : "null")}, BatchSize = {I(e.BatchSize ?? MLNetLlm.Torch.Embeddings.SentenceEmbeddingEstimator.Defaults.BatchSize)}, " +
               $"Normalize = {(e.Normalize ? "true" : "false")}, Device = {Lit(e.Device)} }}";
    }

    /// <summary>
    /// The step that turns a multiclass text label into the key the trainer needs, with the classes in the signature's
    /// order. It is applied to training and evaluation data but not saved in the model (prediction input has no label).
    /// </summary>
    public static ITransformer LabelToKey(MLContext ml, ModelSignature signature, IDataView data)
    {
        var keys = MLNetLlm.DataViews.InMemoryDataView.FromColumns(
            ("Class", TextDataViewType.Instance, signature.Classes.Select(c => c.AsMemory()).ToArray()));
        return ml.Transforms.Conversion.MapValueToKey(ModelSignature.LabelColumnName, ModelSignature.LabelColumnName, keyData: keys).Fit(data);
    }
}
