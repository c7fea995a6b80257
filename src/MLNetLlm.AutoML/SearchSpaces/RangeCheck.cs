namespace MLNetLlm.AutoML.SearchSpaces;

/// <summary>The bound checks shared by numeric options and the [Range] attribute.</summary>
internal static class RangeCheck
{
    public static void Check(double min, double max, bool logBase, double? defaultValue, string? name = null)
    {
        string what = name is null ? "range" : $"range of '{name}'";
        if (!double.IsFinite(min) || !double.IsFinite(max)) throw new ArgumentException($"The {what} needs finite bounds, not [{min}, {max}].");
        if (min > max) throw new ArgumentException($"The {what} has min {min} > max {max}.");
        if (logBase && min <= 0) throw new ArgumentException($"The {what} is on a log scale, so min must be > 0 (it is {min}).");
        if (defaultValue is double d && (d < min || d > max))
            throw new ArgumentException($"The default {d} of the {what} is outside [{min}, {max}].");
    }
}
