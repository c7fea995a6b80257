using Microsoft.ML;

namespace MLNetLlm.AutoML.DefaultSpaces;

/// <summary>
/// A LightGBM trainer whose minimum rows per leaf is an upper bound: when no split of the first tree leaves that many
/// rows on both sides, it is halved until one does. LightGBM then returns a tree without a split, and when its one leaf
/// is exactly 0 (balanced binary labels, a zero-mean regression label) ML.NET cannot convert it and fails with
/// <c>ArgumentNullException</c> "items" (dotnet/machinelearning#5022). The default spaces search the option up to 64, so
/// a search on a hundred balanced rows lost such trials instead of scoring the largest leaf size the data allows.
/// </summary>
internal sealed class LeafSizeCappedTrainer(Func<int, IEstimator<ITransformer>> create, int minimumExampleCountPerLeaf) : IEstimator<ITransformer>
{
    public ITransformer Fit(IDataView input)
    {
        for (int leaf = minimumExampleCountPerLeaf; ; leaf = Math.Max(1, leaf / 2))
        {
            try
            {
                return create(leaf).Fit(input);
            }
            catch (ArgumentNullException e) when (leaf > 1 && IsTreeWithoutSplit(e))
            {
                // LightGBM stopped at a first tree without a split: try again with smaller leaves
            }
        }
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => create(minimumExampleCountPerLeaf).GetOutputSchema(inputSchema);

    /// <summary>ML.NET's conversion of a LightGBM tree that has one leaf, valued 0.</summary>
    internal static bool IsTreeWithoutSplit(ArgumentNullException e) =>
        e.ParamName == "items" && e.StackTrace is { } trace && trace.Contains("RegressionTreeBase..ctor", StringComparison.Ordinal);
}
