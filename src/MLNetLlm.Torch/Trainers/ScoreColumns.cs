using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Torch.Trainers;

/// <summary>ML.NET's annotation kind names.</summary>
internal static class AnnotationUtils
{
    public const string SlotNames = "SlotNames";
    public const string KeyValues = "KeyValues";
}

/// <summary>The output columns a text model adds, and how each is read from the head's raw outputs of one row.</summary>
internal abstract class ScoreColumns
{
    public abstract IReadOnlyList<string> Names { get; }

    /// <summary>Adds the columns (with ML.NET's annotations) to a schema builder.</summary>
    public abstract void AddTo(DataViewSchema.Builder builder);

    /// <summary>The columns alone, as a schema.</summary>
    public DataViewSchema Schema
    {
        get
        {
            var builder = new DataViewSchema.Builder();
            AddTo(builder);
            return builder.ToSchema();
        }
    }

    /// <summary>A <c>ValueGetter&lt;T&gt;</c> for output column <paramref name="index"/> reading the current row's raw outputs.</summary>
    public abstract Delegate Getter(int index, Func<float[]> raw);

    public static ScoreColumns Binary { get; } = new BinaryScoreColumns();
    public static ScoreColumns Regression { get; } = new RegressionScoreColumns();
    public static ScoreColumns Multiclass(IReadOnlyList<string> labels) => new MulticlassScoreColumns(labels);
}

/// <summary>Binary: Score (log-odds of the positive class), Probability, PredictedLabel (bool).</summary>
internal sealed class BinaryScoreColumns : ScoreColumns
{
    public override IReadOnlyList<string> Names { get; } = ["Score", "Probability", "PredictedLabel"];

    public override void AddTo(DataViewSchema.Builder builder)
    {
        builder.AddColumn("Score", NumberDataViewType.Single);
        builder.AddColumn("Probability", NumberDataViewType.Single);
        builder.AddColumn("PredictedLabel", BooleanDataViewType.Instance);
    }

    static float Score(float[] r) => r[1] - r[0];

    public override Delegate Getter(int index, Func<float[]> raw) => index switch
    {
        0 => (ValueGetter<float>)((ref float v) => v = Score(raw())),
        1 => (ValueGetter<float>)((ref float v) => v = 1f / (1f + MathF.Exp(-Score(raw())))),
        _ => (ValueGetter<bool>)((ref bool v) => v = Score(raw()) > 0),
    };
}

/// <summary>Regression: Score.</summary>
internal sealed class RegressionScoreColumns : ScoreColumns
{
    public override IReadOnlyList<string> Names { get; } = ["Score"];

    public override void AddTo(DataViewSchema.Builder builder) => builder.AddColumn("Score", NumberDataViewType.Single);

    public override Delegate Getter(int index, Func<float[]> raw) => (ValueGetter<float>)((ref float v) => v = raw()[0]);
}

/// <summary>Multiclass: Score (class probabilities, slot names = labels), PredictedLabel (key with the label values).</summary>
internal sealed class MulticlassScoreColumns(IReadOnlyList<string> labels) : ScoreColumns
{
    public override IReadOnlyList<string> Names { get; } = ["Score", "PredictedLabel"];

    public override void AddTo(DataViewSchema.Builder builder)
    {
        int k = labels.Count;
        var names = new VBuffer<ReadOnlyMemory<char>>(k, labels.Select(l => l.AsMemory()).ToArray());
        var scoreMeta = new DataViewSchema.Annotations.Builder();
        scoreMeta.Add(AnnotationUtils.SlotNames, new VectorDataViewType(TextDataViewType.Instance, k), (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> v) => names.CopyTo(ref v)));
        builder.AddColumn("Score", new VectorDataViewType(NumberDataViewType.Single, k), scoreMeta.ToAnnotations());
        var keyMeta = new DataViewSchema.Annotations.Builder();
        keyMeta.Add(AnnotationUtils.KeyValues, new VectorDataViewType(TextDataViewType.Instance, k), (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> v) => names.CopyTo(ref v)));
        builder.AddColumn("PredictedLabel", new KeyDataViewType(typeof(uint), k), keyMeta.ToAnnotations());
    }

    public override Delegate Getter(int index, Func<float[]> raw) => index switch
    {
        0 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
        {
            var r = raw();
            float max = r.Max();
            var e = r.Select(x => MathF.Exp(x - max)).ToArray();
            float sum = e.Sum();
            var editor = VBufferEditor.Create(ref v, r.Length);
            for (int i = 0; i < r.Length; i++) editor.Values[i] = e[i] / sum;
            v = editor.Commit();
        }),
        _ => (ValueGetter<uint>)((ref uint v) =>
        {
            var r = raw();
            int best = 0;
            for (int i = 1; i < r.Length; i++) if (r[i] > r[best]) best = i;
            v = (uint)(best + 1);
        }),
    };
}
