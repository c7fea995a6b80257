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

    public static string LostMessage(int attempts) =>
        $"The worker running this trial stopped renewing its lease {attempts} time(s) (killed or disconnected); not retried again.";
}
