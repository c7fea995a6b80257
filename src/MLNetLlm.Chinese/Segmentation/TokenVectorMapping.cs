using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Mapping;

namespace MLNetLlm.Chinese.Segmentation;

/// <summary>A text column to a variable-length vector of text (one word per slot) through a function.</summary>
internal sealed class TokenVectorMapping(string stepName, string outputName, string inputName, Func<string, IReadOnlyList<string>> split)
    : ColumnMapping(stepName, outputName, inputName)
{
    static readonly VectorDataViewType Type = new(TextDataViewType.Instance);

    public override DataViewType OutputType => Type;

    public override void CheckInput(DataViewSchema.Column column)
    {
        if (column.Type is not TextDataViewType)
            throw new ArgumentException(
                $"{StepName}: input column '{column.Name}' is {column.Type}; it must be a text (String) column.", nameof(column));
    }

    public override Delegate MakeGetter(DataViewRow input, DataViewSchema.Column column)
    {
        var source = input.GetGetter<ReadOnlyMemory<char>>(column);
        ReadOnlyMemory<char> raw = default;
        return (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> value) =>
        {
            source(ref raw);
            var words = split(raw.ToString());
            var editor = VBufferEditor.Create(ref value, words.Count);
            for (int i = 0; i < words.Count; i++) editor.Values[i] = words[i].AsMemory();
            value = editor.Commit();
        });
    }
}
