namespace MLNetLlm.AutoML.SearchSpaces;

/// <summary>
/// One dimension group of a search space. Every option maps the unit hypercube [0,1)^d (d =
/// <see cref="FeatureSpaceDim"/>) onto its values, so every tuner works on plain vectors whatever the space holds:
/// <see cref="SampleFromFeatureSpace"/> turns a vector into a <see cref="Parameter"/>, and
/// <see cref="MappingToFeatureSpace"/> goes back (to the centre of a discrete value's cell).
/// </summary>
public abstract class SearchSpaceOption
{
    private protected SearchSpaceOption() { }

    /// <summary>The number of hypercube coordinates this option uses.</summary>
    public abstract int FeatureSpaceDim { get; }

    /// <summary>
    /// Per coordinate: the number of unordered values it picks among (a choice of k values: k), or 0 for an ordered
    /// coordinate (a real or whole-number range). The grid tuner takes every value of the first kind and
    /// <c>step</c> evenly spaced points of the second; model-based tuners treat the second kind as continuous.
    /// </summary>
    public abstract IReadOnlyList<int> DimensionLevels { get; }

    /// <summary>The value for a point of the unit hypercube; coordinates are clamped to [0,1].</summary>
    public abstract Parameter SampleFromFeatureSpace(ReadOnlySpan<double> point);

    /// <summary>The hypercube point of a value (the centre of its cell for discrete values).</summary>
    public abstract double[] MappingToFeatureSpace(Parameter value);

    /// <summary>The value trials start from (the declared default, else the option's middle).</summary>
    public abstract Parameter Default { get; }

    /// <summary>Checks that <paramref name="point"/> has <see cref="FeatureSpaceDim"/> coordinates.</summary>
    private protected void CheckPoint(ReadOnlySpan<double> point)
    {
        if (point.Length != FeatureSpaceDim)
            throw new ArgumentException($"{GetType().Name} takes a {FeatureSpaceDim}-dimensional point, not a {point.Length}-dimensional one.");
    }

    /// <summary>A coordinate clamped into [0,1] (NaN becomes 0).</summary>
    private protected static double Unit(double x) => double.IsNaN(x) ? 0 : Math.Clamp(x, 0, 1);

    /// <summary>The index of the cell of <paramref name="x"/> among <paramref name="count"/> equal cells of [0,1].</summary>
    private protected static int Cell(double x, int count) => Math.Min(count - 1, (int)Math.Floor(Unit(x) * count));
}
