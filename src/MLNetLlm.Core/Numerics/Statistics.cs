namespace MLNetLlm.Numerics;

/// <summary>Small summary statistics shared by the benchmarks.</summary>
internal static class Statistics
{
    /// <summary>The median: the middle value, or the mean of the two middle values of an even count.</summary>
    /// <exception cref="ArgumentException">When <paramref name="values"/> is empty.</exception>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) throw new ArgumentException("The median of no values is undefined.", nameof(values));
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
