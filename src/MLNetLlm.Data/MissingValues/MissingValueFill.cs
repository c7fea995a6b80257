namespace MLNetLlm.Data.MissingValues;

/// <summary>What replaces a missing value.</summary>
public enum MissingValueFill
{
    /// <summary>Text: the empty string.</summary>
    Empty,

    /// <summary>Text: <see cref="MissingValueFillOptions.Placeholder"/>.</summary>
    Placeholder,

    /// <summary>Numbers: the mean of the training column (missing values ignored).</summary>
    Mean,

    /// <summary>Numbers: the median of the training column (missing values ignored).</summary>
    Median,

    /// <summary>Numbers: <see cref="MissingValueFillOptions.Constant"/>.</summary>
    Constant,
}
