using Microsoft.ML;
using MLNetLlm.Fairness;
using MLNetLlm.Persistence;

namespace MLNetLlm;

/// <summary>
/// MLNetLlm's catalog for one <see cref="MLContext"/>. Other MLNetLlm assemblies add their estimators to it as extension
/// methods (cleaning in MLNetLlm.Data, transformer trainers in MLNetLlm.Torch), the way ML.NET's catalogs work.
/// </summary>
public sealed class LlmCatalog
{
    internal LlmCatalog(MLContext context)
    {
        Context = context;
        Model = new LlmModelOperations(context);
        Fairness = new FairnessCatalog();
    }

    /// <summary>The context every estimator made from this catalog uses (its seed, its log).</summary>
    public MLContext Context { get; }

    /// <summary>Save and load models that mix ML.NET transformers with MLNetLlm's own, in one file.</summary>
    public LlmModelOperations Model { get; }

    /// <summary>Fairness audits of predictions over a sensitive feature (Fairlearn's definitions).</summary>
    public FairnessCatalog Fairness { get; }
}
