using MLNetLlm.SearchSpaces;

namespace MLNetLlm.Data.Outliers;

/// <summary>Options of <see cref="OutlierFilter"/>.</summary>
public sealed class OutlierOptions
{
    /// <summary>Numeric scalar columns (Single, Double, Int32, Int64) to filter on their own value. Default none.</summary>
    public IReadOnlyList<string> NumericColumns { get; set; } = [];

    /// <summary>Text columns to filter on their length (see <see cref="LengthInWords"/>). Default "Text".</summary>
    public IReadOnlyList<string> TextLengthColumns { get; set; } = ["Text"];

    /// <summary>Text length counts words (white-space separated) instead of characters. Default false (characters).</summary>
    public bool LengthInWords { get; set; }

    /// <summary>Rows whose |value − mean| / standard deviation exceeds this are dropped. Default 3; range 1.5–5.</summary>
    [Range(1.5, 5.0)]
    public double Threshold { get; set; } = 3.0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!(Threshold > 0)) throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "Threshold must be above 0 (typical 2–4).");
        if ((NumericColumns?.Count ?? 0) + (TextLengthColumns?.Count ?? 0) == 0) throw new ArgumentException("OutlierOptions: name at least one numeric or text column.");
    }
}
