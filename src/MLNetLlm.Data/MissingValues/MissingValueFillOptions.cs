namespace MLNetLlm.Data.MissingValues;

/// <summary>How <see cref="MissingValueFillEstimator"/> repairs one column.</summary>
public sealed class MissingValueFillOptions
{
    /// <summary>The column read.</summary>
    public string InputColumn { get; set; } = "Text";

    /// <summary>The column written; null: <see cref="InputColumn"/> (replaced).</summary>
    public string? OutputColumn { get; set; }

    /// <summary>The fill. Text columns: Empty or Placeholder (default Placeholder). Single/Double columns: Mean, Median or Constant.</summary>
    public MissingValueFill Fill { get; set; } = MissingValueFill.Placeholder;

    /// <summary>The text for <see cref="MissingValueFill.Placeholder"/>. Default "[missing]".</summary>
    public string Placeholder { get; set; } = "[missing]";

    /// <summary>The number for <see cref="MissingValueFill.Constant"/>. Default 0.</summary>
    public double Constant { get; set; }
}
