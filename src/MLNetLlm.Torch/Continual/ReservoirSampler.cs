namespace MLNetLlm.Torch.Continual;

/// <summary>
/// Reservoir sampling over a stream (Vitter's algorithm R): the first <see cref="Capacity"/> items fill the slots, the
/// k-th item after that (1-based count <c>Seen</c>) takes a uniformly random slot with probability capacity / seen.
/// Every item of the stream ends up in the reservoir with the same probability. The state (seen count) can be stored
/// and the sampler continued later, which is how the persistent sample memory admits new rows.
/// </summary>
internal sealed class ReservoirSampler
{
    readonly Random _random;

    public ReservoirSampler(int capacity, Random random, long seen = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(seen);
        Capacity = capacity;
        _random = random;
        Seen = seen;
    }

    public int Capacity { get; }

    /// <summary>Items offered so far.</summary>
    public long Seen { get; private set; }

    /// <summary>Offers the next item: the slot it goes to (a free slot while filling, else the one it replaces), or -1 when it is not kept.</summary>
    public int Offer()
    {
        Seen++;
        if (Capacity == 0) return -1;
        if (Seen <= Capacity) return (int)(Seen - 1);
        long j = _random.NextInt64(Seen);
        return j < Capacity ? (int)j : -1;
    }

    /// <summary>Indices of a uniform sample of <paramref name="count"/> of <paramref name="n"/> items (all when n ≤ count), in ascending order.</summary>
    public static int[] Sample(int n, int count, Random random)
    {
        var sampler = new ReservoirSampler(count, random);
        var slots = new int[Math.Min(n, count)];
        for (int i = 0; i < n; i++)
        {
            int s = sampler.Offer();
            if (s >= 0) slots[s] = i;
        }
        Array.Sort(slots);
        return slots;
    }
}
