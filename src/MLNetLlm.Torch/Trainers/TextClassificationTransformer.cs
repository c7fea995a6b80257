using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Persistence;
using MLNetLlm.Torch.Adapters;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Continual;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Torch.Trainers;

/// <summary>
/// A fine-tuned BERT text classifier. Adds ML.NET's usual columns — binary: <c>Score</c> (float log-odds),
/// <c>Probability</c> (float), <c>PredictedLabel</c> (bool); multiclass: <c>Score</c> (class probabilities) and
/// <c>PredictedLabel</c> (key with the label's values, so <c>MapKeyToValue</c> and <c>Evaluate</c> work). Scores in
/// batches in <see cref="Transform"/>, row by row in a PredictionEngine; saved by <c>mlContext.Llm().Model.Save</c>.
/// </summary>
public sealed class TextClassificationTransformer : IPersistentTransformer, IDisposable
{
    readonly TextModel _model;
    readonly TextScorer _scorer;

    internal TextClassificationTransformer(TextModel model, TextScorer scorer, IReadOnlyList<string> labels)
    {
        _model = model;
        _scorer = scorer;
        Labels = labels;
    }

    /// <summary>Class names, index = class (binary: false, true).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>True for a two-class model with a Boolean label.</summary>
    public bool IsBinary => _model.Task == TextTask.Binary;

    /// <summary>The encoder's configuration (HF config.json fields).</summary>
    public Models.BertConfig Config => _model.Model.Config;

    internal TextModel Model => _model;

    /// <summary>The text column the model reads (and the pair column of sentence-pair models).</summary>
    internal string TextColumnName => _scorer.TextColumn;

    /// <inheritdoc cref="TextColumnName"/>
    internal string? PairColumnName => _scorer.PairColumn;

    /// <summary>What the continual-learning fit did (rows selected, replayed, EWC), when it was one.</summary>
    internal ContinualReport? ContinualReport { get; init; }

    /// <summary>Whether the model carries a Fisher diagonal and anchor weights for the next round's EWC.</summary>
    public bool HasContinualState => _model.Continual != null;

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _scorer.GetOutputSchema(inputSchema);

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _scorer.Mapper(inputSchema);

    public IDataView Transform(IDataView input) => _scorer.Transform(input);

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException($"{nameof(TextClassificationTransformer)} is saved with mlContext.Llm().Model.Save(...), not mlContext.Model.Save.");

    /// <inheritdoc/>
    public void SaveTo(string directory) => TextScorer.Save(directory, _model, _scorer, Labels);

    /// <summary>Loads a transformer written by <see cref="SaveTo"/> (called by the model file loader).</summary>
    public static ITransformer LoadFrom(MLContext mlContext, string directory)
    {
        var (model, scorer, labels) = TextScorer.Load(directory);
        return new TextClassificationTransformer(model, scorer, labels);
    }

    /// <summary>Writes config.json, model.safetensors (LoRA merged) and vocab.txt in the layout HF transformers loads.</summary>
    public void SaveHuggingFace(string directory) => HuggingFaceCheckpoint.Save(directory, _model.Model, _model.Tokenizer);

    /// <summary>Writes the LoRA adapters (PEFT layout) of a model trained with <see cref="FineTuningMode.Lora"/>.</summary>
    public void SaveLoraAdapter(string directory) => LoraAdapterFile.Save(_model.Model, directory);

    /// <summary>
    /// The tokens that drove the model's output for one text: integrated gradients over the input word embeddings (see
    /// <see cref="Explanations.IntegratedGradientsOptions"/>); the word attributions sum to the output minus the output on
    /// the baseline, up to the integration error.
    /// </summary>
    public MLNetLlm.Explanations.Explanation Explain(string text, string? pairText = null, Explanations.IntegratedGradientsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _model.Locked(() => Explanations.IntegratedGradients.Explain(_model.Model, _model.Tokenizer, _model.Task, _model.MaxLength, _model.Device, Labels,
            text, pairText, options));
    }

    public void Dispose() => _model.Dispose();
}
