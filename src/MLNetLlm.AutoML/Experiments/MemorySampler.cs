namespace MLNetLlm.AutoML.Experiments;

/// <summary>Samples the process's working set every 50 ms while at least one trial is being watched.</summary>
internal sealed class MemorySampler : IDisposable
{
    static readonly object Gate = new();
    static readonly List<MemorySampler> Active = [];
    static Timer? _timer;
    long _peak;

    MemorySampler() => _peak = Environment.WorkingSet;

    public static MemorySampler Start()
    {
        var s = new MemorySampler();
        lock (Gate)
        {
            Active.Add(s);
            _timer ??= new Timer(_ => Sample(), null, 50, 50);
        }
        return s;
    }

    static void Sample()
    {
        long ws = Environment.WorkingSet;
        lock (Gate) foreach (var s in Active) s._peak = Math.Max(s._peak, ws);
    }

    /// <summary>The largest working set seen since <see cref="Start"/>.</summary>
    public long Peak
    {
        get { lock (Gate) return Math.Max(_peak, Environment.WorkingSet); }
    }

    public void Dispose()
    {
        lock (Gate)
        {
            Active.Remove(this);
            if (Active.Count == 0) { _timer?.Dispose(); _timer = null; }
        }
    }
}
