namespace MLNetLlm.AutoML.SearchSpaces;

/// <summary>
/// A real number in [min, max], uniform or (with <c>logBase</c>) uniform in log space. Binds to double or float
/// members. Log scale needs min &gt; 0.
/// </summary>
public sealed class UniformDoubleOption : SearchSpaceOption
{
    /// <summary>A real range; <paramref name="defaultValue"/> defaults to the (log-)middle.</summary>
    public UniformDoubleOption(double min, double max, bool logBase = false, double? defaultValue = null)
    {
        RangeCheck.Check(min, max, logBase, defaultValue);
        Min = min;
        Max = max;
        LogBase = logBase;
        HasDeclaredDefault = defaultValue is not null;
        DefaultValue = defaultValue ?? (logBase ? Math.Sqrt(min * max) : (min + max) / 2);
    }

    /// <summary>The lower bound.</summary>
    public double Min { get; }

    /// <summary>The upper bound.</summary>
    public double Max { get; }

    /// <summary>Whether values are uniform in log space.</summary>
    public bool LogBase { get; }

    /// <summary>The default value.</summary>
    public double DefaultValue { get; }

    /// <summary>Whether the default was given (by the caller or an options class) rather than taken as the middle or
    /// the first value; tuners that start from one point (<see cref="Tuners.CostFrugalTuner"/>) start only from declared
    /// defaults.</summary>
    public bool HasDeclaredDefault { get; }

    /// <inheritdoc/>
    public override int FeatureSpaceDim => 1;

    /// <inheritdoc/>
    public override IReadOnlyList<int> DimensionLevels => [0];

    /// <inheritdoc/>
    public override Parameter Default => Parameter.FromDouble(DefaultValue);

    /// <inheritdoc/>
    public override Parameter SampleFromFeatureSpace(ReadOnlySpan<double> point)
    {
        CheckPoint(point);
        double u = Unit(point[0]);
        double v = LogBase ? Math.Exp(Math.Log(Min) + u * (Math.Log(Max) - Math.Log(Min))) : Min + u * (Max - Min);
        return Parameter.FromDouble(Math.Clamp(v, Min, Max));
    }

    /// <inheritdoc/>
    public override double[] MappingToFeatureSpace(Parameter value)
    {
        double v = value.AsDouble();
        if (v < Min || v > Max) throw new ArgumentOutOfRangeException(nameof(value), $"{v} is outside [{Min}, {Max}].");
        if (Max == Min) return [0];
        return [LogBase ? (Math.Log(v) - Math.Log(Min)) / (Math.Log(Max) - Math.Log(Min)) : (v - Min) / (Max - Min)];
    }
}
