namespace MLNetLlm.AutoML.Storage;

/// <summary>Checks and messages shared by the storages.</summary>
internal static class StudyCheck
{
    public static void EnsureSame(StudyInfo study, string metric, bool maximize)
    {
        if (study.Metric != metric || study.Maximize != maximize)
            throw new InvalidOperationException(
                $"Study '{study.Name}' was created for metric {study.Metric} ({(study.Maximize ? "maximise" : "minimise")}), not {metric} ({(maximize ? "maximise" : "minimise")}); use another study name.");
    }

    /// <summary>A resumed (or another worker's) selection must re-evaluate as the stored one does.</summary>
    public static void EnsureSameSelection(string study, StoredSelection stored, int folds, int topTrials)
    {
        if (stored.Folds != folds || stored.TopTrials != topTrials)
            throw new InvalidOperationException(
                $"Study '{study}' started its cross-validated selection with {stored.Folds} folds of the top {stored.TopTrials} trial(s), " +
                $"not {folds} folds of the top {topTrials}; use the same SetCrossValidatedSelection settings to resume it, or another study name.");
    }

    /// <summary>A trial's fidelity (share of training rows) must be in (0, 1].</summary>
    public static void EnsureFidelity(double fidelity)
    {
        if (!(fidelity > 0 && fidelity <= 1))
            throw new ArgumentOutOfRangeException(nameof(fidelity), fidelity, "A trial's fidelity is a share of the training rows in (0, 1].");
    }

    public static string LostMessage(int attempts) =>
        $"The worker running this trial stopped renewing its lease {attempts} time(s) (killed or disconnected); not retried again.";

    public static string FoldLostMessage(int fold, int folds, int attempts) =>
        FoldError(fold, folds, $"the worker running it stopped renewing its lease {attempts} time(s) (killed or disconnected); not retried again.");

    /// <summary>The error of a fold (0-based <paramref name="fold"/>), which becomes its candidate's error.</summary>
    public static string FoldError(int fold, int folds, string why) => $"Cross-validation fold {fold + 1} of {folds}: {why}";

    public static string SkippedFoldMessage(int failedFold) => $"Not run: fold {failedFold + 1} of this candidate failed.";
}
