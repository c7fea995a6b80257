using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.SearchSpaces;
using MLNetLlm.Torch.Continual;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Torch.Trainers;

/// <summary>
/// Fine-tunes (or trains from scratch) a BERT encoder to classify text. A Boolean label gives a binary classifier, a
/// key-typed label (from <c>MapValueToKey</c>) a multiclass one. One text column, or two for sentence-pair classification.
/// </summary>
public sealed class TextClassificationTrainer : IEstimator<TextClassificationTransformer>
{
    /// <summary>Settings; see <see cref="TransformerTrainingOptions"/> for the training ones.</summary>
    public sealed class Options : TransformerTrainingOptions
    {
        /// <summary>Label column: Boolean (binary) or key (multiclass). Default <c>Label</c>.</summary>
        public string LabelColumnName { get; set; } = Defaults.LabelColumnName;
        /// <summary>Text column. Default <c>Text</c>.</summary>
        public string TextColumnName { get; set; } = Defaults.TextColumnName;
        /// <summary>Optional second text column for sentence-pair classification. Default null.</summary>
        public string? SecondTextColumnName { get; set; }

        /// <summary>
        /// Continual learning: continue from a previous model with EWC, replay and/or confidence-based selection, and
        /// keep the Fisher and anchor weights in the model for the next round (see <see cref="ContinualLearningOptions"/>).
        /// Null (default): an ordinary training. Needs <see cref="FineTuningMode.Full"/>. Not part of the fine-tuning
        /// search space (an AutoML trial is an ordinary training); to sweep λ, replay size or the threshold of an
        /// update, search the attributes of <see cref="ContinualLearningOptions"/> themselves (<c>new SearchSpace&lt;ContinualLearningOptions&gt;()</c>).
        /// </summary>
        public ContinualLearningOptions? ContinualLearning { get; set; }
    }

    /// <summary>Default column names.</summary>
    public static class Defaults
    {
        public const string LabelColumnName = "Label";
        public const string TextColumnName = "Text";
    }

    readonly MLContext _mlContext;
    readonly Options _options;

    internal TextClassificationTrainer(MLContext mlContext, Options options)
    {
        _mlContext = mlContext;
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>Trains on <paramref name="input"/>.</summary>
    public TextClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = _options;
        var label = input.Schema.GetColumnOrNull(o.LabelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(input), $"Label column '{o.LabelColumnName}' not found.");
        TextTask task = label.Type is BooleanDataViewType ? TextTask.Binary : TextTask.Multiclass;
        TrainerCore.CheckLabel(label, task);
        var labels = task == TextTask.Binary ? new[] { "false", "true" } : TrainerCore.KeyLabels(label);
        ContinualReport? report = null;
        var model = o.ContinualLearning is { } continual
            ? ContinualTrainer.Fit(input, o, continual, task, labels, out report)
            : TrainerCore.Fit(input, o, o.TextColumnName, o.SecondTextColumnName, o.LabelColumnName, task, labels);
        var outputs = task == TextTask.Binary ? ScoreColumns.Binary : ScoreColumns.Multiclass(labels);
        return new TextClassificationTransformer(model, new TextScorer(model, o.TextColumnName, o.SecondTextColumnName, outputs, o.InferenceBatchSize), labels)
            { ContinualReport = report };
    }

    /// <summary>The input columns plus Score/Probability/PredictedLabel (binary) or Score/PredictedLabel (multiclass).</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var o = _options;
        var label = inputSchema.FirstOrDefault(c => c.Name == o.LabelColumnName);
        if (label.Name is null) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{o.LabelColumnName}' not found.");
        ScoreColumns outputs = label.ItemType is BooleanDataViewType ? ScoreColumns.Binary
            : label.IsKey ? ScoreColumns.Multiclass(["?", "?"])
            : throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{o.LabelColumnName}' must be Boolean or a key type.");
        var text = o.SecondTextColumnName is null ? new[] { o.TextColumnName } : [o.TextColumnName, o.SecondTextColumnName];
        return TextScorer.OutputShape(inputSchema, text, outputs);
    }
}
