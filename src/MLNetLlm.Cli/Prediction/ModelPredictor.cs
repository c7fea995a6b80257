using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Cli.Training;

namespace MLNetLlm.Cli.Prediction;

/// <summary>
/// A model file loaded for prediction. <see cref="Predict"/> is safe to call from many threads at once: each call
/// borrows a <see cref="PredictionEngine{TSrc,TDst}"/> from a pool (an engine is not thread-safe; the model is).
/// </summary>
internal sealed class ModelPredictor
{
    readonly Func<IReadOnlyList<string>, Prediction> _predict;

    ModelPredictor(string path, ModelSignature signature, ITransformer model, MLContext ml, DataViewSchema? inputSchema = null)
    {
        Path = path;
        Signature = signature;
        Model = model;
        Context = ml;
        var input = SchemaDefinition.Create(typeof(TextRow), SchemaDefinition.Direction.Read);
        for (int i = input.Count - 1; i >= signature.TextColumns.Count; i--) input.RemoveAt(i);
        for (int i = 0; i < signature.TextColumns.Count; i++) input[i].ColumnName = signature.TextColumns[i];
        InputDefinition = input;
        // A model written by `mlnet-llm guard` ends in the output constraint step: its Decision/FinalLabel/Rule are read too.
        IsGuarded = inputSchema != null && signature.Task != TaskKind.Regression && model.GetOutputSchema(inputSchema).GetColumnOrNull("Decision") is not null;
        Prediction Binary(BinaryOutput o) => new(signature.Classes[o.PredictedLabel ? 1 : 0], o.Score, o.Probability, null);
        Prediction Multiclass(MulticlassOutput o)
        {
            var classes = new Dictionary<string, float>(signature.Classes.Count);
            for (int i = 0; i < signature.Classes.Count && i < o.Score.Length; i++) classes[signature.Classes[i]] = o.Score[i];
            float p = classes.GetValueOrDefault(o.PredictedClass);
            return new Prediction(o.PredictedClass, p, p, classes);
        }
        _predict = (signature.Task, IsGuarded) switch
        {
            (TaskKind.Binary, false) => Pooled<BinaryOutput>(input, (o, _) => Binary(o)),
            (TaskKind.Binary, true) => Pooled<GuardedBinaryOutput>(input, (o, _) => Binary(o) with { Safety = new(o.Decision, o.FinalLabel, o.Rule) }),
            (TaskKind.Multiclass, false) => Pooled<MulticlassOutput>(input, (o, _) => Multiclass(o)),
            (TaskKind.Multiclass, true) => Pooled<GuardedMulticlassOutput>(input, (o, _) => Multiclass(o) with { Safety = new(o.Decision, o.FinalLabel, o.Rule) }),
            _ => Pooled<RegressionOutput>(input, (o, _) => new Prediction(null, o.Score, null, null)),
        };
    }

    /// <summary>How a <see cref="TextRow"/> maps to the model's text columns.</summary>
    internal SchemaDefinition InputDefinition { get; }

    /// <summary>Whether the model carries safety filters (its predictions have <see cref="Prediction.Safety"/>).</summary>
    public bool IsGuarded { get; }

    /// <summary>The model file.</summary>
    public string Path { get; }

    public ModelSignature Signature { get; }

    public ITransformer Model { get; }

    public MLContext Context { get; }

    /// <summary>Loads a model file written by <c>train</c>.</summary>
    public static ModelPredictor Load(string path)
    {
        var ml = new MLContext(seed: 0);
        var signature = ModelSignature.FromMetadata(ml.Llm().Model.ReadMetadata(path), path);
        var model = ml.Llm().Model.Load(path, out var inputSchema);
        return new ModelPredictor(path, signature, model, ml, inputSchema);
    }

    /// <summary>Predicts one row: one text per <see cref="ModelSignature.TextColumns"/>, in that order.</summary>
    public Prediction Predict(IReadOnlyList<string> texts)
    {
        if (texts.Count != Signature.TextColumns.Count)
            throw new ArgumentException($"The model reads {Signature.TextColumns.Count} text column(s) ({string.Join(", ", Signature.TextColumns)}), not {texts.Count}.", nameof(texts));
        return _predict(texts);
    }

    Func<IReadOnlyList<string>, Prediction> Pooled<TOut>(SchemaDefinition input, Func<TOut, TextRow, Prediction> map) where TOut : class, new()
    {
        var pool = new DefaultObjectPool<PredictionEngine<TextRow, TOut>>(
            new EnginePolicy<TOut>(() => Context.Model.CreatePredictionEngine<TextRow, TOut>(Model, ignoreMissingColumns: true, inputSchemaDefinition: input)),
            Environment.ProcessorCount * 2);
        return texts =>
        {
            var engine = pool.Get();
            try
            {
                var row = new TextRow();
                row.Set(texts);
                return map(engine.Predict(row), row);
            }
            finally { pool.Return(engine); }
        };
    }

    sealed class EnginePolicy<TOut>(Func<PredictionEngine<TextRow, TOut>> create) : PooledObjectPolicy<PredictionEngine<TextRow, TOut>>
        where TOut : class, new()
    {
        public override PredictionEngine<TextRow, TOut> Create() => create();
        public override bool Return(PredictionEngine<TextRow, TOut> obj) => true;
    }

    class BinaryOutput
    {
        public bool PredictedLabel { get; set; }
        public float Score { get; set; }
        public float Probability { get; set; }
    }

    class MulticlassOutput
    {
        public string PredictedClass { get; set; } = "";
        public float[] Score { get; set; } = [];
    }

    sealed class GuardedBinaryOutput : BinaryOutput
    {
        public string Decision { get; set; } = "";
        public string FinalLabel { get; set; } = "";
        public string Rule { get; set; } = "";
    }

    sealed class GuardedMulticlassOutput : MulticlassOutput
    {
        public string Decision { get; set; } = "";
        public string FinalLabel { get; set; } = "";
        public string Rule { get; set; } = "";
    }

    sealed class RegressionOutput
    {
        public float Score { get; set; }
    }
}
