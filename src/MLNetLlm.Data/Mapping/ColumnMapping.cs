using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Data.Mapping;

/// <summary>One output column computed row by row from one input column (the 1:1 part of a data step).</summary>
internal abstract class ColumnMapping(string stepName, string outputName, string inputName)
{
    /// <summary>The step's name for error messages (e.g. "NormalizeText").</summary>
    public string StepName { get; } = stepName;
    public string OutputName { get; } = outputName;
    public string InputName { get; } = inputName;

    public abstract DataViewType OutputType { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the column when its type cannot be mapped.</summary>
    public abstract void CheckInput(DataViewSchema.Column column);

    /// <summary>A <c>ValueGetter&lt;T&gt;</c> (T = <see cref="OutputType"/>'s raw type) reading <paramref name="column"/> of <paramref name="input"/>.</summary>
    public abstract Delegate MakeGetter(DataViewRow input, DataViewSchema.Column column);
}

/// <summary>A text column to a text column through a string function.</summary>
internal sealed class TextMapping(string stepName, string outputName, string inputName, Func<string, string> map)
    : ColumnMapping(stepName, outputName, inputName)
{
    public override DataViewType OutputType => TextDataViewType.Instance;

    public override void CheckInput(DataViewSchema.Column column)
    {
        if (column.Type is not TextDataViewType)
            throw new ArgumentException(
                $"{StepName}: input column '{column.Name}' is {column.Type}; it must be a text (String) column. Convert it first (e.g. mlContext.Transforms.Conversion.ConvertType) or pick another column.",
                nameof(column));
    }

    public override Delegate MakeGetter(DataViewRow input, DataViewSchema.Column column)
    {
        var source = input.GetGetter<ReadOnlyMemory<char>>(column);
        ReadOnlyMemory<char> raw = default;
        return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) =>
        {
            source(ref raw);
            value = map(raw.ToString()).AsMemory();
        });
    }
}

/// <summary>A scalar column to a column of the same type through a function (e.g. filling NaN).</summary>
internal sealed class ScalarMapping<T>(string stepName, string outputName, string inputName, DataViewType type, Func<T, T> map)
    : ColumnMapping(stepName, outputName, inputName)
{
    public override DataViewType OutputType => type;

    public override void CheckInput(DataViewSchema.Column column)
    {
        if (!column.Type.Equals(type))
            throw new ArgumentException($"{StepName}: input column '{column.Name}' is {column.Type}; this step was fitted on {type}.", nameof(column));
    }

    public override Delegate MakeGetter(DataViewRow input, DataViewSchema.Column column)
    {
        var source = input.GetGetter<T>(column);
        T raw = default!;
        return (ValueGetter<T>)((ref T value) =>
        {
            source(ref raw);
            value = map(raw);
        });
    }
}
