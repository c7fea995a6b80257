namespace MLNetLlm.Fairness;

/// <summary>
/// What <see cref="FairnessCatalog.Evaluate(Microsoft.ML.IDataView, string, string, string, FairnessOptions?)"/> returns: one
/// <see cref="FairnessResult"/> for a binary label, one per class for a one-vs-rest multiclass audit, or one
/// accuracy-only result.
/// </summary>
public sealed record FairnessReport
{
    /// <summary>"binary", "multiclass-one-vs-rest" or "multiclass-accuracy".</summary>
    public required string Kind { get; init; }

    /// <summary>The sensitive feature's column name (or the name given to the array overload).</summary>
    public required string SensitiveFeature { get; init; }

    public required IReadOnlyList<FairnessResult> Results { get; init; }

    /// <summary>The largest demographic-parity difference over <see cref="Results"/> (NaN if none applies).</summary>
    public double WorstDemographicParityDifference => Worst(r => r.Disparities.DemographicParityDifference);

    /// <summary>The largest equalized-odds difference over <see cref="Results"/> (NaN if none applies).</summary>
    public double WorstEqualizedOddsDifference => Worst(r => r.Disparities.EqualizedOddsDifference);

    double Worst(Func<FairnessResult, double> pick)
    {
        var values = Results.Select(pick).Where(v => !double.IsNaN(v)).ToList();
        return values.Count == 0 ? double.NaN : values.Max();
    }
}
