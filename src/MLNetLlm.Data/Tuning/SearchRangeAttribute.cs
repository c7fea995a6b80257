namespace MLNetLlm.Data.Tuning;

/// <summary>
/// The range an AutoML search may sweep for a numeric option (inclusive). Booleans need no attribute (their range is
/// <c>{false, true}</c>); enums use <see cref="SearchChoicesAttribute"/> or all their values.
/// </summary>
/// <example><code>[SearchRange(0.5, 0.99)] public double JaccardThreshold { get; set; } = 0.8;</code></example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class SearchRangeAttribute(double min, double max) : Attribute
{
    /// <summary>The smallest value worth trying.</summary>
    public double Min { get; } = min;

    /// <summary>The largest value worth trying.</summary>
    public double Max { get; } = max;

    /// <summary>Sample on a log scale (for ranges spanning orders of magnitude).</summary>
    public bool LogScale { get; init; }

    /// <summary>The option is an integer.</summary>
    public bool Integer { get; init; }
}
