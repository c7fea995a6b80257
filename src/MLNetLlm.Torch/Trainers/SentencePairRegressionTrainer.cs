using Microsoft.ML;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Torch.Trainers;

/// <summary>Fine-tunes (or trains from scratch) a BERT cross-encoder that regresses a float label from two texts (MSE loss).</summary>
public sealed class SentencePairRegressionTrainer : IEstimator<SentencePairRegressionTransformer>
{
    /// <summary>Settings; see <see cref="TransformerTrainingOptions"/> for the training ones.</summary>
    public sealed class Options : TransformerTrainingOptions
    {
        /// <summary>Float (Single) label column. Default <c>Label</c>.</summary>
        public string LabelColumnName { get; set; } = "Label";
        /// <summary>First text column. Default <c>Sentence1</c>.</summary>
        public string FirstTextColumnName { get; set; } = "Sentence1";
        /// <summary>Second text column. Default <c>Sentence2</c>.</summary>
        public string SecondTextColumnName { get; set; } = "Sentence2";
    }

    readonly MLContext _mlContext;
    readonly Options _options;

    internal SentencePairRegressionTrainer(MLContext mlContext, Options options)
    {
        _mlContext = mlContext;
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public SentencePairRegressionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = _options;
        var model = TrainerCore.Fit(input, o, o.FirstTextColumnName, o.SecondTextColumnName, o.LabelColumnName, TextTask.Regression, ["LABEL_0"]);
        return new SentencePairRegressionTransformer(model, new TextScorer(model, o.FirstTextColumnName, o.SecondTextColumnName, ScoreColumns.Regression, o.InferenceBatchSize));
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        TextScorer.OutputShape(inputSchema, [_options.FirstTextColumnName, _options.SecondTextColumnName], ScoreColumns.Regression);
}
