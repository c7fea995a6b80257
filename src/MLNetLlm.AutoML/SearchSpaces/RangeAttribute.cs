namespace MLNetLlm.AutoML.SearchSpaces;

/// <summary>
/// Declares a searched range on an int, long, float or double property or field of an options class, read by
/// <see cref="SearchSpace{T}"/>. Use the int constructor for whole numbers and the double one for real numbers.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class RangeAttribute : Attribute
{
    /// <summary>A whole-number range [min, max]; the default is the options class's initial value when inside it.</summary>
    public RangeAttribute(int min, int max, bool logBase = false)
    {
        Option = () => new UniformIntOption(min, max, logBase);
        IsInteger = true;
        (Min, Max, LogBase) = (min, max, logBase);
    }

    /// <summary>A real range [min, max].</summary>
    public RangeAttribute(double min, double max, bool logBase = false)
    {
        Option = () => new UniformDoubleOption(min, max, logBase);
        (Min, Max, LogBase) = (min, max, logBase);
    }

    internal Func<SearchOption> Option { get; }

    /// <summary>The lower bound.</summary>
    public double Min { get; }

    /// <summary>The upper bound.</summary>
    public double Max { get; }

    /// <summary>Whether the range is searched in log space.</summary>
    public bool LogBase { get; }

    /// <summary>Whether the range is of whole numbers.</summary>
    public bool IsInteger { get; }
}
