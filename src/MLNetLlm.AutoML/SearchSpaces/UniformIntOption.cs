namespace MLNetLlm.AutoML.SearchSpaces;

/// <summary>
/// A whole number in [min, max] (both included), uniform or (with <c>logBase</c>) uniform in log space. Binds to int
/// or long members. Log scale needs min &gt; 0.
/// </summary>
public sealed class UniformIntOption : SearchSpaceOption
{
    /// <summary>A whole-number range; <paramref name="defaultValue"/> defaults to the (log-)middle.</summary>
    public UniformIntOption(int min, int max, bool logBase = false, int? defaultValue = null)
    {
        RangeCheck.Check(min, max, logBase, defaultValue);
        Min = min;
        Max = max;
        LogBase = logBase;
        HasDeclaredDefault = defaultValue is not null;
        DefaultValue = defaultValue ?? (int)Math.Round(logBase ? Math.Sqrt((double)min * max) : (min + (double)max) / 2);
    }

    /// <summary>The lower bound.</summary>
    public int Min { get; }

    /// <summary>The upper bound (included).</summary>
    public int Max { get; }

    /// <summary>Whether values are uniform in log space.</summary>
    public bool LogBase { get; }

    /// <summary>The default value.</summary>
    public int DefaultValue { get; }

    /// <summary>Whether the default was given (by the caller or an options class) rather than taken as the middle or
    /// the first value; tuners that start from one point (<see cref="Tuners.CostFrugalTuner"/>) start only from declared
    /// defaults.</summary>
    public bool HasDeclaredDefault { get; }

    /// <inheritdoc/>
    public override int FeatureSpaceDim => 1;

    /// <inheritdoc/>
    public override IReadOnlyList<int> DimensionLevels => [0];

    /// <inheritdoc/>
    public override Parameter Default => Parameter.FromInt(DefaultValue);

    // Each value v owns [v, v+1) of the (log-)line [min, max+1), so every value has a cell.
    double Lo => LogBase ? Math.Log(Min) : Min;
    double Hi => LogBase ? Math.Log(Max + 1.0) : Max + 1.0;

    /// <inheritdoc/>
    public override Parameter SampleFromFeatureSpace(ReadOnlySpan<double> point)
    {
        CheckPoint(point);
        double t = Lo + Unit(point[0]) * (Hi - Lo);
        double v = Math.Floor(LogBase ? Math.Exp(t) : t);
        return Parameter.FromInt((long)Math.Clamp(v, Min, Max));
    }

    /// <inheritdoc/>
    public override double[] MappingToFeatureSpace(Parameter value)
    {
        long v = value.AsInt64();
        if (v < Min || v > Max) throw new ArgumentOutOfRangeException(nameof(value), $"{v} is outside [{Min}, {Max}].");
        double a = LogBase ? Math.Log(v) : v, b = LogBase ? Math.Log(v + 1.0) : v + 1.0;
        return [Math.Clamp(((a + b) / 2 - Lo) / (Hi - Lo), 0, 1)];
    }
}
