namespace MLNetLlm.AutoML.Pruners;

/// <summary>Decides from intermediate reports whether a running trial should stop early.</summary>
public interface IPruner
{
    /// <summary>
    /// Whether trial <paramref name="trialId"/>, which just reported <paramref name="loss"/> after
    /// <paramref name="step"/>, should stop. <paramref name="history"/> holds the reports of every trial of the study
    /// so far (running, finished and this one's earlier steps).
    /// </summary>
    bool ShouldPrune(int trialId, int step, double loss, IReadOnlyList<IntermediateReport> history);
}
