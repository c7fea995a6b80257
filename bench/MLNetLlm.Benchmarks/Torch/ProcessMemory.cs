using MLNetLlm.Torch;
namespace MLNetLlm.Benchmarks.Torch;

/// <summary>The process's resident memory from /proc/self/status (Linux; NaN elsewhere), for memory benchmarks.</summary>
internal static class ProcessMemory
{
    /// <summary>Resident set size now, in MB.</summary>
    public static double RssMegabytes() => Read("VmRSS");

    /// <summary>Peak resident set size since the start or the last <see cref="ResetPeak"/>, in MB.</summary>
    public static double PeakMegabytes() => Read("VmHWM");

    /// <summary>Resets the peak to the current RSS (Linux: writing 5 to /proc/self/clear_refs); false where that is not possible.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return false; }
    }

    static double Read(string key)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return double.NaN;
        foreach (var line in File.ReadLines(path))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return double.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        return double.NaN;
    }
}
