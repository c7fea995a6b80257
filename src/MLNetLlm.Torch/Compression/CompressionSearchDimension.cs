namespace MLNetLlm.Torch.Compression;

/// <summary>
/// One tunable option of a compression step and the range an AutoML sweep should search: either a numeric range
/// (<see cref="Min"/>..<see cref="Max"/>, optionally log-scaled or integer) or a list of <see cref="Choices"/>.
/// <see cref="Option"/> is the property name on the step's options class.
/// </summary>
public sealed record CompressionSearchDimension
{
    private CompressionSearchDimension(string option) => Option = option;

    /// <summary>Property name on the options class.</summary>
    public string Option { get; }

    /// <summary>Smallest value worth trying (numeric ranges).</summary>
    public double Min { get; private init; }

    /// <summary>Largest value worth trying (numeric ranges).</summary>
    public double Max { get; private init; }

    /// <summary>Sample on a log scale.</summary>
    public bool LogScale { get; private init; }

    /// <summary>The option is an integer.</summary>
    public bool Integer { get; private init; }

    /// <summary>Discrete values to try (null for numeric ranges).</summary>
    public IReadOnlyList<object>? Choices { get; private init; }

    /// <summary>A numeric range.</summary>
    public static CompressionSearchDimension Range(string option, double min, double max, bool logScale = false, bool integer = false)
    {
        if (!(min <= max)) throw new ArgumentException($"'{option}': min {min} must not exceed max {max}.");
        if (logScale && min <= 0) throw new ArgumentException($"'{option}': a log-scale range needs min > 0.");
        return new CompressionSearchDimension(option) { Min = min, Max = max, LogScale = logScale, Integer = integer };
    }

    /// <summary>A set of discrete values.</summary>
    public static CompressionSearchDimension OneOf(string option, params object[] choices)
    {
        if (choices.Length == 0) throw new ArgumentException($"'{option}': at least one choice is needed.");
        return new CompressionSearchDimension(option) { Choices = choices };
    }
}
