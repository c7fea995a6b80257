using System.Globalization;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// The seed of a trial's <c>MLContext</c>: a function of the experiment's seed and the trial's parameter only (its
/// <see cref="Parameter.Hash"/>), never of the trial's number, worker or process. So the same parameter trains the same
/// model wherever it runs (with trainers whose thread counts are pinned: see <c>AutoCatalog</c>), and the final refit
/// of the best parameter reproduces its trial.
/// </summary>
internal static class TrialSeeds
{
    public static int For(int experimentSeed, Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        uint h = uint.Parse(parameter.Hash.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (int)(unchecked((uint)experimentSeed * 2654435761u ^ h) & int.MaxValue);
    }
}
