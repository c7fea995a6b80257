namespace MLNetLlm.Torch.Continual;

/// <summary>
/// A class-balanced reservoir over a labelled stream (see <see cref="ReplayPolicy.ClassBalanced"/>). Holds the label of
/// every slot and the per-class count of rows seen, both of which can be stored and the sampler continued later.
/// </summary>
internal sealed class ClassBalancedReservoir
{
    readonly Random _random;
    readonly List<string> _slots;
    readonly Dictionary<string, long> _seen;

    /// <param name="slotLabels">Labels of the rows already held (slot order), when continuing a stored memory.</param>
    /// <param name="seenPerClass">Rows seen per class so far, when continuing.</param>
    public ClassBalancedReservoir(int capacity, Random random, IEnumerable<string>? slotLabels = null, IReadOnlyDictionary<string, long>? seenPerClass = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _random = random;
        _slots = slotLabels?.ToList() ?? [];
        if (_slots.Count > capacity) throw new ArgumentException($"{_slots.Count} rows held exceed the capacity {capacity}.", nameof(slotLabels));
        _seen = seenPerClass?.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) ?? new(StringComparer.Ordinal);
        foreach (var g in _slots.GroupBy(l => l, StringComparer.Ordinal))
            _seen[g.Key] = Math.Max(_seen.GetValueOrDefault(g.Key), g.Count());
    }

    public int Capacity { get; }

    /// <summary>Label of each occupied slot.</summary>
    public IReadOnlyList<string> SlotLabels => _slots;

    /// <summary>Rows seen per class.</summary>
    public IReadOnlyDictionary<string, long> SeenPerClass => _seen;

    /// <summary>Offers a row of class <paramref name="label"/>: the slot it goes to (new or replaced), or -1 when it is not kept.</summary>
    public int Offer(string label)
    {
        long seen = _seen[label] = _seen.GetValueOrDefault(label) + 1;
        if (Capacity == 0) return -1;
        if (_slots.Count < Capacity)
        {
            _slots.Add(label);
            return _slots.Count - 1;
        }
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var l in _slots) counts[l] = counts.GetValueOrDefault(l) + 1;
        int largest = counts.Values.Max();
        int mine = counts.GetValueOrDefault(label);
        if (mine < largest)
        {
            // evict a random row of a largest class (a random one of them when several tie)
            var big = counts.Where(kv => kv.Value == largest).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray();
            string victim = big[_random.Next(big.Length)];
            int slot = RandomSlotOf(victim, largest);
            _slots[slot] = label;
            return slot;
        }
        // the row's class is (one of) the largest: reservoir sampling within the class
        if (_random.NextInt64(seen) >= mine) return -1;
        int s = RandomSlotOf(label, mine);
        return s;
    }

    int RandomSlotOf(string label, int count)
    {
        int k = _random.Next(count);
        for (int i = 0; i < _slots.Count; i++)
            if (_slots[i] == label && k-- == 0) return i;
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Indices of a class-balanced sample of up to <paramref name="count"/> of the rows with <paramref name="labels"/>, ascending.</summary>
    public static int[] Sample(IReadOnlyList<string> labels, int count, Random random)
    {
        var sampler = new ClassBalancedReservoir(count, random);
        var slots = new List<int>();
        for (int i = 0; i < labels.Count; i++)
        {
            int s = sampler.Offer(labels[i]);
            if (s < 0) continue;
            if (s == slots.Count) slots.Add(i);
            else slots[s] = i;
        }
        slots.Sort();
        return slots.ToArray();
    }
}
