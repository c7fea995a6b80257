using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Torch.Embeddings;

/// <summary>The one column a sentence embedding adds: a fixed-size float vector (the encoder's hidden size).</summary>
internal sealed class EmbeddingColumn(string name, int size) : ScoreColumns
{
    public override IReadOnlyList<string> Names { get; } = [name];

    public int Size => size;

    public override void AddTo(DataViewSchema.Builder builder) => builder.AddColumn(name, new VectorDataViewType(NumberDataViewType.Single, size));

    public override Delegate Getter(int index, Func<float[]> raw) => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
    {
        var r = raw();
        var editor = VBufferEditor.Create(ref v, r.Length);
        r.CopyTo(editor.Values);
        v = editor.Commit();
    });
}
