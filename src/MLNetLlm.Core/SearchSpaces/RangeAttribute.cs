namespace MLNetLlm.SearchSpaces;

/// <summary>
/// Declares the range an AutoML search sweeps for an int, long, float or double option (bounds inclusive). Read by
/// MLNetLlm.AutoML's <c>SearchSpace&lt;T&gt;</c>; any options class (cleaning, fine-tuning, compression) can carry it.
/// Use the int constructor for whole numbers and the double one for real numbers.
/// </summary>
/// <example><code>[Range(0.5, 0.99)] public double JaccardThreshold { get; set; } = 0.8;</code></example>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class RangeAttribute : Attribute
{
    /// <summary>A whole-number range [min, max]; the default is the options class's initial value when inside it.</summary>
    public RangeAttribute(int min, int max, bool logBase = false)
    {
        (Min, Max, LogBase) = (min, max, logBase);
        IsInteger = true;
    }

    /// <summary>A real range [min, max].</summary>
    public RangeAttribute(double min, double max, bool logBase = false) => (Min, Max, LogBase) = (min, max, logBase);

    /// <summary>The lower bound.</summary>
    public double Min { get; }

    /// <summary>The upper bound.</summary>
    public double Max { get; }

    /// <summary>Whether the range is searched in log space (needs Min &gt; 0).</summary>
    public bool LogBase { get; }

    /// <summary>Whether the range is of whole numbers.</summary>
    public bool IsInteger { get; }
}
