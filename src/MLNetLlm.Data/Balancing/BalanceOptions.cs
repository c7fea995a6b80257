using MLNetLlm.Data.Augmentation;
using MLNetLlm.SearchSpaces;

namespace MLNetLlm.Data.Balancing;

/// <summary>Options of <see cref="LabelBalancer"/>.</summary>
public sealed class BalanceOptions
{
    /// <summary>The class column (text, boolean, key or number). Default "Label".</summary>
    public string LabelColumn { get; set; } = "Label";

    /// <summary>The method. Default <see cref="BalanceMethod.RandomOversample"/>.</summary>
    public BalanceMethod Method { get; set; } = BalanceMethod.RandomOversample;

    /// <summary>
    /// The wanted ratio of each class's row count to the largest class's (oversampling, SMOTE, augmentation: smaller
    /// classes grow to ⌈ratio × largest⌉) or of the smallest class to every other (undersampling: larger classes shrink
    /// to ⌊smallest ÷ ratio⌋). Default 1 (all classes equal); range 0.1–1.
    /// </summary>
    [Range(0.1, 1.0)]
    public double TargetRatio { get; set; } = 1.0;

    /// <summary>SMOTE: the numeric vector column (e.g. "Features") whose points are interpolated. Default "Features".</summary>
    public string FeatureColumn { get; set; } = "Features";

    /// <summary>SMOTE: nearest neighbours to choose from. Default 5; range 1–20.</summary>
    [Range(1, 20)]
    public int Neighbors { get; set; } = 5;

    /// <summary>Seed: the same seed and data always give the same rows. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>AugmentOversample: how to augment (its TextColumnName names the text column). Default: <see cref="AugmentationOptions"/> defaults.</summary>
    public AugmentationOptions Augmentation { get; set; } = new();

    /// <summary>A copy of these options.</summary>
    public BalanceOptions Clone()
    {
        var copy = (BalanceOptions)MemberwiseClone();
        copy.Augmentation = Augmentation.Clone();
        return copy;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(LabelColumn)) throw new ArgumentException("BalanceOptions.LabelColumn must name a column.", nameof(LabelColumn));
        if (!(TargetRatio > 0 && TargetRatio <= 1)) throw new ArgumentOutOfRangeException(nameof(TargetRatio), TargetRatio, "TargetRatio must be in (0, 1].");
        if (Neighbors < 1) throw new ArgumentOutOfRangeException(nameof(Neighbors), Neighbors, "Neighbors must be at least 1.");
        if (Method == BalanceMethod.Smote && string.IsNullOrWhiteSpace(FeatureColumn)) throw new ArgumentException("BalanceOptions.FeatureColumn must name a vector column for SMOTE.", nameof(FeatureColumn));
        if (Method == BalanceMethod.AugmentOversample) (Augmentation ?? throw new ArgumentNullException(nameof(Augmentation))).Validate();
    }
}
