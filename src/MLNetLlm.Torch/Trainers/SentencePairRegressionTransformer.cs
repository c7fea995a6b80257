using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Persistence;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Torch.Trainers;

/// <summary>A fine-tuned BERT sentence-pair regressor: adds a float <c>Score</c> column (e.g. a similarity).</summary>
public sealed class SentencePairRegressionTransformer : IPersistentTransformer, IDisposable
{
    readonly TextModel _model;
    readonly TextScorer _scorer;

    internal SentencePairRegressionTransformer(TextModel model, TextScorer scorer)
    {
        _model = model;
        _scorer = scorer;
    }

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _scorer.GetOutputSchema(inputSchema);

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _scorer.Mapper(inputSchema);

    public IDataView Transform(IDataView input) => _scorer.Transform(input);

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException($"{nameof(SentencePairRegressionTransformer)} is saved with mlContext.Llm().Model.Save(...), not mlContext.Model.Save.");

    /// <inheritdoc/>
    public void SaveTo(string directory) => TextScorer.Save(directory, _model, _scorer, ["score"]);

    /// <summary>Loads a transformer written by <see cref="SaveTo"/> (called by the model file loader).</summary>
    public static ITransformer LoadFrom(MLContext mlContext, string directory)
    {
        var (model, scorer, _) = TextScorer.Load(directory);
        return new SentencePairRegressionTransformer(model, scorer);
    }

    /// <summary>Writes config.json, model.safetensors and vocab.txt in the layout HF transformers loads.</summary>
    public void SaveHuggingFace(string directory) => HuggingFaceCheckpoint.Save(directory, _model.Model, _model.Tokenizer);

    public void Dispose() => _model.Dispose();
}
