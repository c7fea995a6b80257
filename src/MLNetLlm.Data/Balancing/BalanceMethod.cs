namespace MLNetLlm.Data.Balancing;

/// <summary>How <see cref="LabelBalancer"/> evens out the classes.</summary>
public enum BalanceMethod
{
    /// <summary>Repeat random rows of the smaller classes (sampling with replacement).</summary>
    RandomOversample,

    /// <summary>Drop random rows of the larger classes (order of the kept rows preserved).</summary>
    RandomUndersample,

    /// <summary>Synthesize rows of the smaller classes on segments between a row and one of its k nearest same-class neighbours in a numeric vector column (SMOTE).</summary>
    Smote,

    /// <summary>Add EDA-augmented copies of random rows of the smaller classes (for text columns).</summary>
    AugmentOversample,
}
