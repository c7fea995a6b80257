using Microsoft.ML;

namespace MLNetLlm.AutoML.DefaultSpaces;

/// <summary>
/// The feature selection in front of the tree learners on sparse text features: slots non-zero in fewer than
/// <see cref="MinimumDocumentCount"/> rows are dropped (one counting pass), then the <c>k</c> slots with the highest
/// mutual information with the label are kept (ML.NET's <c>SelectFeaturesBasedOnMutualInformation</c>). Boosted trees
/// split on a few hundred features at most, and their data preparation (binning every slot) is what costs on hundreds
/// of thousands of n-grams, so this bounds a tree trial's cost whatever the featurizer's n-gram cap.
/// </summary>
internal static class TreeFeatureSelection
{
    /// <summary>Slots non-zero in fewer rows than this are dropped before the mutual information.</summary>
    public const long MinimumDocumentCount = 3;

    public static IEstimator<ITransformer> Create(MLContext ml, string featureColumnName, string labelColumnName, int maximumFeatures) =>
        ml.Transforms.FeatureSelection.SelectFeaturesBasedOnCount(featureColumnName, featureColumnName, MinimumDocumentCount)
            .Append(ml.Transforms.FeatureSelection.SelectFeaturesBasedOnMutualInformation(featureColumnName, featureColumnName, labelColumnName, maximumFeatures));
}
