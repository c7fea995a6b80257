using MLNetLlm.AutoML.DefaultSpaces;
using MLNetLlm.AutoML.Torch;
using MLNetLlm.AutoML.Torch.DefaultSpaces;
using Microsoft.ML;
using MLNetLlm.AutoML;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.Data;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// The pipeline an AutoML <c>train</c> searches: text normalization (fixed), the text featurizer (its n-grams,
/// weighting and norm searched for a single text column; fixed per column for sentence pairs), a training-only cache
/// of the features, and a one-of choice of trainers for the task (SDCA, LightGBM, FastTree) with their default spaces
/// (for classification the tree learners pick their own features first: count ≥ 3, then the searched number of slots
/// with the most mutual information with the label, so a tree trial's cost stays bounded on big n-gram spaces).
/// </summary>
internal static class AutoPipelineFactory
{
    /// <summary>The searched pipeline; with <paramref name="searchBalance"/> methods (classification, imbalanced label, no <c>--balance</c>: <see cref="ClassBalance.Searched"/>) balancing is a searched stage (none or one of them).</summary>
    public static SweepablePipeline Create(MLContext ml, ModelSignature signature, RunConfig config, int? threads, IReadOnlyList<string>? searchBalance = null)
    {
        if (config.Trainer == "bert") return Transformer(ml, signature, config);
        var normalization = config.Normalization;
        var auto = ml.Llm().Auto();
        var pipeline = new SweepablePipeline();
        if (normalization != null)
            foreach (var column in signature.TextColumns)
                pipeline.Append(ml.Llm().NormalizeText(column, options: normalization), $"normalize_{column}");
        var embedding = config.EmbeddingOrNull;
        if (embedding is null && Languages.ChineseSteps.Applies(config.ResolvedLanguage, config.Trainer))
            foreach (var column in signature.TextColumns) pipeline.Append(Languages.ChineseSteps.Sweepable(column));
        if (signature.TextColumns.Count == 1)
            pipeline.Append(embedding is null
                ? auto.FeaturizeText(PipelineFactory.FeaturesColumn, signature.TextColumns[0])
                : auto.SentenceEmbedding(PipelineFactory.FeaturesColumn, signature.TextColumns[0], o => embedding.Apply(o), EmbeddingSpace(embedding)));
        else
            pipeline.Append(PipelineFactory.Featurizer(ml, signature.TextColumns, normalization: null, embedding), "featurize_columns");
        // Iterative trainers pass over the data many times: cache the features once per trial (training rows only).
        pipeline.AppendCacheCheckpoint();
        // balancing acts on the cached featurized training rows (SMOTE needs the vectors); never on validation rows
        if (signature.Task != TaskKind.Regression && ClassBalance.AutoStage(auto, config.Balance, searchBalance ?? [], config.Seed) is { } balance)
            pipeline.Append(balance);
        const string label = ModelSignature.LabelColumnName, features = PipelineFactory.FeaturesColumn;
        switch (signature.Task)
        {
            case TaskKind.Binary:
                pipeline.Append(auto.SdcaLogisticRegression(label, features, threads), auto.LightGbmBinary(label, features, threads, selectFeatures: true), auto.FastTreeBinary(label, features, threads, selectFeatures: true));
                break;
            case TaskKind.Multiclass:
                pipeline.Append(auto.SdcaMaximumEntropy(label, features, threads), auto.LightGbmMulticlass(label, features, threads, selectFeatures: true));
                pipeline.Append(ml.Transforms.Conversion.MapKeyToValue(PipelineFactory.PredictedClassColumn, "PredictedLabel"), "to_class");
                break;
            default:
                pipeline.Append(auto.SdcaRegression(label, features, threads), auto.LightGbmRegression(label, features, threads, selectFeatures: true),
                    auto.FastTreeRegression(label, features, threads, selectFeatures: true));
                break;
        }
        return pipeline;
    }

    /// <summary>
    /// What a <c>--featurizer embedding</c> search varies: normalisation (unless turned off) and the max length (unless
    /// given), from <see cref="MLNetLlm.AutoML.Torch.DefaultSpaces.SentenceEmbeddingSearchOptions"/>.
    /// </summary>
    public static IReadOnlyList<string> SearchedEmbeddingOptions(EmbeddingSettings e)
    {
        var keys = new List<string>();
        if (e.Normalize) keys.Add(nameof(MLNetLlm.AutoML.Torch.DefaultSpaces.SentenceEmbeddingSearchOptions.Normalize));
        if (e.MaxLength is null) keys.Add(nameof(MLNetLlm.AutoML.Torch.DefaultSpaces.SentenceEmbeddingSearchOptions.MaxLength));
        return keys;
    }

    static SearchSpace EmbeddingSpace(EmbeddingSettings e)
    {
        var all = new SearchSpace<MLNetLlm.AutoML.Torch.DefaultSpaces.SentenceEmbeddingSearchOptions>();
        var space = new SearchSpace();
        foreach (var key in SearchedEmbeddingOptions(e)) space[key] = all[key];
        return space;
    }

    /// <summary>
    /// The <c>--trainer bert</c> search: normalization (fixed) and MLNetLlm.Torch's fine-tuning stage, searched over the
    /// dimensions of <see cref="TextClassificationTrainer.Options"/> the command line left open (see <see cref="SearchedOptions"/>).
    /// </summary>
    static SweepablePipeline Transformer(MLContext ml, ModelSignature signature, RunConfig config)
    {
        var pipeline = new SweepablePipeline();
        if (config.Normalization != null)
            foreach (var column in signature.TextColumns)
                pipeline.Append(ml.Llm().NormalizeText(column, options: config.Normalization), $"normalize_{column}");
        var t = config.Transformer ?? new TransformerSettings();
        var cols = signature.TextColumns;
        pipeline.Append(ml.Llm().Auto().TextClassification(ModelSignature.LabelColumnName, cols[0], o =>
        {
            o.SecondTextColumnName = cols.Count > 1 ? cols[1] : null;
            o.PretrainedModelPath = t.Pretrained;
            if (t.Epochs is { } e) o.NumberOfEpochs = e;
            if (t.BatchSize is { } b) o.BatchSize = b;
            if (t.MaxLength is { } m) o.MaxLength = m;
            if (t.LearningRate is { } lr) o.LearningRate = lr;
            if (t.Pretrained == null) o.Mode = FineTuningMode.Full;
            o.Device = t.Device;
            o.Seed = config.Seed;
        }, SearchSpace(t)));
        if (signature.Task == TaskKind.Multiclass)
            pipeline.Append(ml.Transforms.Conversion.MapKeyToValue(PipelineFactory.PredictedClassColumn, "PredictedLabel"), "to_class");
        return pipeline;
    }

    /// <summary>
    /// The fine-tuning options a <c>--trainer bert</c> search varies: the trainer's default space without the options
    /// given on the command line (epochs, batch size, max length, learning rate stay as given), and without the
    /// LoRA / prompt-tuning dimensions when there is no <c>--pretrained</c> checkpoint (a model trained from scratch is
    /// always fully fine-tuned).
    /// </summary>
    public static IReadOnlyList<string> SearchedOptions(TransformerSettings t)
    {
        var fixedOptions = new List<string>();
        if (t.Epochs != null) fixedOptions.Add(nameof(TextClassificationTrainer.Options.NumberOfEpochs));
        if (t.BatchSize != null) fixedOptions.Add(nameof(TextClassificationTrainer.Options.BatchSize));
        if (t.MaxLength != null) fixedOptions.Add(nameof(TextClassificationTrainer.Options.MaxLength));
        if (t.LearningRate != null) fixedOptions.Add(nameof(TextClassificationTrainer.Options.LearningRate));
        if (t.LearningRate != null) fixedOptions.Add(nameof(TextClassificationTrainer.Options.LearningRateScale));
        if (t.Pretrained == null)
        {
            fixedOptions.AddRange([nameof(TextClassificationTrainer.Options.Mode), nameof(TextClassificationTrainer.Options.LoraRank),
                nameof(TextClassificationTrainer.Options.LoraAlpha), nameof(TextClassificationTrainer.Options.LoraDropout),
                nameof(TextClassificationTrainer.Options.PromptTokens)]);
            return new SearchSpace<TextClassificationTrainer.Options>().Keys.Except(fixedOptions).ToArray();
        }
        // A pretrained encoder: search around its defaults (learning rate as a factor of each mode's default).
        return PretrainedFineTuningSpace.Create().Keys.Except(fixedOptions).ToArray();
    }

    static SearchSpace SearchSpace(TransformerSettings t)
    {
        SearchSpace all = t.Pretrained == null ? new SearchSpace<TextClassificationTrainer.Options>() : PretrainedFineTuningSpace.Create();
        var space = new SearchSpace();
        foreach (var key in SearchedOptions(t)) space[key] = all[key];
        return space;
    }

    /// <summary>
    /// Whether the searched pipeline has a stage of the MLNetLlm.AutoML.Torch package (<c>auto.TextClassification</c>,
    /// <c>auto.SentenceEmbedding</c>): the generated training code then needs that package and its namespace.
    /// </summary>
    public static bool UsesTorchStages(ModelSignature signature, RunConfig config) =>
        config.Trainer == "bert" || signature.TextColumns.Count == 1 && config.EmbeddingOrNull != null;

    /// <summary>C# code of a method body expression that builds the same sweepable pipeline from <c>mlContext</c> (for the generated training code).</summary>
    public static string Code(ModelSignature signature, RunConfig config, int? threads, IReadOnlyList<string>? searchBalance = null)
    {
        if (config.Trainer == "bert") return TransformerCode(signature, config);
        var normalization = config.Normalization;
        string Lit(string s) => CodeGen.CSharpNames.Literal(s);
        string t = threads is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null";
        var lines = new List<string> { "new SweepablePipeline()" };
        if (normalization != null)
            foreach (var column in signature.TextColumns)
                lines.Add($".Append(mlContext.Llm().NormalizeText({Lit(column)}, options: {PipelineFactory.NormalizationCode(normalization)}), {Lit("normalize_" + column)})");
        var embedding = config.EmbeddingOrNull;
        if (embedding is null && Languages.ChineseSteps.Applies(config.ResolvedLanguage, config.Trainer))
            foreach (var column in signature.TextColumns) lines.Add(Languages.ChineseSteps.SweepableCode(column));
        if (signature.TextColumns.Count == 1 && embedding != null)
        {
            string keys = string.Join(", ", SearchedEmbeddingOptions(embedding).Select(Lit));
            lines.Add($".Append(auto.SentenceEmbedding({Lit(PipelineFactory.FeaturesColumn)}, {Lit(signature.TextColumns[0])}, " +
                      $"o => {{ var fixedOptions = {PipelineFactory.EmbeddingOptionsCode(embedding)}; o.PretrainedModel = fixedOptions.PretrainedModel; " +
                      "o.MaxLength = fixedOptions.MaxLength; o.BatchSize = fixedOptions.BatchSize; o.Normalize = fixedOptions.Normalize; o.Device = fixedOptions.Device; },\n" +
                      $"                new string[] {{ {keys} }}.Aggregate(new SearchSpace(), (space, key) => {{ space[key] = new SearchSpace<MLNetLlm.AutoML.Torch.DefaultSpaces.SentenceEmbeddingSearchOptions>()[key]; return space; }})))");
        }
        else if (signature.TextColumns.Count == 1)
            lines.Add($".Append(auto.FeaturizeText({Lit(PipelineFactory.FeaturesColumn)}, {Lit(signature.TextColumns[0])}))");
        else if (embedding != null)
        {
            var featureColumns = signature.TextColumns.Select((_, i) => $"__features{i}").ToArray();
            string steps = string.Join("\n                .Append(", signature.TextColumns.Select((c, i) =>
                $"mlContext.Llm().SentenceEmbedding({Lit(featureColumns[i])}, {Lit(c)}, {PipelineFactory.EmbeddingOptionsCode(embedding)})"));
            lines.Add($".Append({steps}{new string(')', signature.TextColumns.Count - 1)}" +
                      $"\n                .Append(mlContext.Transforms.Concatenate({Lit(PipelineFactory.FeaturesColumn)}, {string.Join(", ", featureColumns.Select(Lit))})), \"featurize_columns\")");
        }
        else
        {
            var featureColumns = signature.TextColumns.Select((_, i) => $"__features{i}").ToArray();
            string steps = string.Join("\n                .Append(", signature.TextColumns.Select((c, i) => $"mlContext.Transforms.Text.FeaturizeText({Lit(featureColumns[i])}, {Lit(c)})"));
            lines.Add($".Append({steps}{new string(')', signature.TextColumns.Count - 1)}" +
                      $"\n                .Append(mlContext.Transforms.Concatenate({Lit(PipelineFactory.FeaturesColumn)}, {string.Join(", ", featureColumns.Select(Lit))})), \"featurize_columns\")");
        }
        lines.Add(".AppendCacheCheckpoint()");
        if (signature.Task != TaskKind.Regression && ClassBalance.AutoStageCode(config.Balance, searchBalance ?? [], config.Seed) is { } balance)
            lines.Add($".Append({balance})");
        string args = $"\"Label\", {Lit(PipelineFactory.FeaturesColumn)}, {t}";
        switch (signature.Task)
        {
            case TaskKind.Binary:
                lines.Add($".Append(auto.SdcaLogisticRegression({args}), auto.LightGbmBinary({args}, selectFeatures: true), auto.FastTreeBinary({args}, selectFeatures: true))");
                break;
            case TaskKind.Multiclass:
                lines.Add($".Append(auto.SdcaMaximumEntropy({args}), auto.LightGbmMulticlass({args}, selectFeatures: true))");
                lines.Add($".Append(mlContext.Transforms.Conversion.MapKeyToValue({Lit(PipelineFactory.PredictedClassColumn)}, \"PredictedLabel\"), \"to_class\")");
                break;
            default:
                lines.Add($".Append(auto.SdcaRegression({args}), auto.LightGbmRegression({args}, selectFeatures: true), auto.FastTreeRegression({args}, selectFeatures: true))");
                break;
        }
        return string.Join("\n            ", lines);
    }

    static string TransformerCode(ModelSignature signature, RunConfig config)
    {
        string Lit(string s) => CodeGen.CSharpNames.Literal(s);
        var t = config.Transformer ?? new TransformerSettings();
        var cols = signature.TextColumns;
        var lines = new List<string> { "new SweepablePipeline()" };
        if (config.Normalization != null)
            foreach (var column in cols)
                lines.Add($".Append(mlContext.Llm().NormalizeText({Lit(column)}, options: {PipelineFactory.NormalizationCode(config.Normalization)}), {Lit("normalize_" + column)})");
        var set = new List<string> { $"o.SecondTextColumnName = {(cols.Count > 1 ? Lit(cols[1]) : "null")};" };
        set.Add($"o.PretrainedModelPath = {(t.Pretrained == null ? "null" : Lit(PretrainedArgument.Portable(t.Pretrained)))};");
        string I(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (t.Epochs is { } e) set.Add($"o.NumberOfEpochs = {I(e)};");
        if (t.BatchSize is { } b) set.Add($"o.BatchSize = {I(b)};");
        if (t.MaxLength is { } m) set.Add($"o.MaxLength = {I(m)};");
        if (t.LearningRate is { } lr) set.Add($"o.LearningRate = {lr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)};");
        if (t.Pretrained == null) set.Add("o.Mode = MLNetLlm.Torch.Training.FineTuningMode.Full;");
        set.Add($"o.Device = {Lit(t.Device)};");
        set.Add($"o.Seed = {I(config.Seed)};");
        string keys = string.Join(", ", SearchedOptions(t).Select(Lit));
        lines.Add($".Append(auto.TextClassification(\"Label\", {Lit(cols[0])}, o => {{ {string.Join(" ", set)} }},\n" +
                  $"                new[] {{ {keys} }}.Aggregate(new SearchSpace(), (space, key) => {{ space[key] = {(t.Pretrained == null ? "new SearchSpace<MLNetLlm.Torch.Trainers.TextClassificationTrainer.Options>()" : "MLNetLlm.AutoML.Torch.DefaultSpaces.PretrainedFineTuningSpace.Create()")}[key]; return space; }})))");
        if (signature.Task == TaskKind.Multiclass)
            lines.Add($".Append(mlContext.Transforms.Conversion.MapKeyToValue({Lit(PipelineFactory.PredictedClassColumn)}, \"PredictedLabel\"), \"to_class\")");
        return string.Join("\n            ", lines);
    }
}
