using System.Diagnostics;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML.Storage;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// Trials a killed process left "running" in a study: on this machine, where it can be seen that their process is
/// gone, they are queued again at once (the storage would otherwise hand them out only when their lease expires).
/// </summary>
internal static class StaleTrials
{
    /// <summary>Queues again the study's running trials whose worker was a process of this machine that no longer runs; returns their numbers.</summary>
    public static IReadOnlyList<int> Requeue(ITrialStorage storage, string study, ExperimentMetric metric)
    {
        var info = storage.OpenStudyAsync(study, metric.Name, metric.Maximize).GetAwaiter().GetResult();
        var requeued = new List<int>();
        foreach (var t in storage.GetTrialsAsync(info.Id).GetAwaiter().GetResult())
        {
            if (t.Status != TrialStatus.Running || t.Worker is not { } worker || !IsDeadLocalWorker(worker)) continue;
            storage.RequeueTrialAsync(t.Id, worker).GetAwaiter().GetResult();
            requeued.Add(t.Number);
        }
        return requeued;
    }

    /// <summary>Workers are named "machine:pid:…" (AutoMLExperiment): true when the machine is this one and the pid is not running.</summary>
    internal static bool IsDeadLocalWorker(string worker)
    {
        var parts = worker.Split(':');
        if (parts.Length < 3 || !string.Equals(parts[0], Environment.MachineName, StringComparison.Ordinal)) return false;
        if (!int.TryParse(parts[1], out int pid)) return false;
        if (pid == Environment.ProcessId) return false;
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.HasExited;
        }
        catch (ArgumentException) { return true; }
        catch (InvalidOperationException) { return true; }
    }
}
