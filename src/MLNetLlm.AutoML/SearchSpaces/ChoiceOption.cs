namespace MLNetLlm.AutoML.SearchSpaces;

/// <summary>
/// One of a list of values (text, numbers, booleans or enum names), each owning an equal cell of [0,1).
/// </summary>
public sealed class ChoiceOption : SearchSpaceOption
{
    readonly Parameter[] _choices;

    /// <summary>A choice among <paramref name="choices"/>; the default is the first unless given.</summary>
    public ChoiceOption(IEnumerable<object> choices, object? defaultChoice = null)
    {
        ArgumentNullException.ThrowIfNull(choices);
        _choices = choices.Select(Parameter.FromValue).ToArray();
        if (_choices.Length == 0) throw new ArgumentException("A choice needs at least one value.", nameof(choices));
        var dup = _choices.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"The choice lists {dup.Key} twice.", nameof(choices));
        DefaultIndex = 0;
        HasDeclaredDefault = defaultChoice is not null;
        if (defaultChoice is not null)
        {
            DefaultIndex = Array.IndexOf(_choices, Parameter.FromValue(defaultChoice));
            if (DefaultIndex < 0) throw new ArgumentException($"The default {defaultChoice} is not one of the choices.", nameof(defaultChoice));
        }
    }

    /// <summary>A choice among <paramref name="choices"/>.</summary>
    public ChoiceOption(params object[] choices) : this((IEnumerable<object>)choices) { }

    /// <summary>The values.</summary>
    public IReadOnlyList<Parameter> Choices => _choices;

    /// <summary>The index of the default value.</summary>
    public int DefaultIndex { get; }

    /// <summary>Whether the default was given (by the caller or an options class) rather than taken as the middle or
    /// the first value; tuners that start from one point (<see cref="Tuners.CostFrugalTuner"/>) start only from declared
    /// defaults.</summary>
    public bool HasDeclaredDefault { get; }

    /// <inheritdoc/>
    public override int FeatureSpaceDim => 1;

    /// <inheritdoc/>
    public override IReadOnlyList<int> DimensionLevels => [_choices.Length];

    /// <inheritdoc/>
    public override Parameter Default => _choices[DefaultIndex];

    /// <inheritdoc/>
    public override Parameter SampleFromFeatureSpace(ReadOnlySpan<double> point)
    {
        CheckPoint(point);
        return _choices[Cell(point[0], _choices.Length)];
    }

    /// <inheritdoc/>
    public override double[] MappingToFeatureSpace(Parameter value)
    {
        int i = Array.IndexOf(_choices, value);
        if (i < 0) throw new ArgumentOutOfRangeException(nameof(value), $"{value} is not one of the choices [{string.Join(", ", _choices.Select(c => c.ToJson()))}].");
        return [(i + 0.5) / _choices.Length];
    }
}
