using MLNetLlm.Torch.Continual;

namespace MLNetLlm.Torch.Tests.Continual;

public sealed class SamplingTests
{
    [Fact]
    public void ReservoirKeepsEveryItemWithProbabilityCapacityOverN()
    {
        const int n = 20, capacity = 5, trials = 20000;
        var hits = new int[n];
        for (int t = 0; t < trials; t++)
        {
            var sample = ReservoirSampler.Sample(n, capacity, new Random(t));
            Assert.Equal(capacity, sample.Length);
            Assert.Equal(capacity, sample.Distinct().Count());
            foreach (int i in sample) hits[i]++;
        }
        // each frequency has standard deviation sqrt(p(1−p)/trials) ≈ 0.003 around p = 0.25: 5σ
        foreach (int h in hits) AssertClose.Equal(capacity / (double)n, h / (double)trials, abs: 0.015, rel: 0);
        Assert.Equal(Enumerable.Range(0, 3), ReservoirSampler.Sample(3, capacity, new Random(1)));
    }

    [Fact]
    public void AContinuedReservoirEqualsAnUninterruptedOne()
    {
        var whole = new ReservoirSampler(4, new Random(9));
        var first = Enumerable.Range(0, 10).Select(_ => whole.Offer()).ToArray();
        var rest = Enumerable.Range(0, 10).Select(_ => whole.Offer()).ToArray();
        Assert.Equal(20, whole.Seen);
        Assert.Equal([0, 1, 2, 3], first[..4]);
        // the generator in the state the sampler left it after 10 offers: no draw while filling, then one per offer
        var random = new Random(9);
        for (long seen = 5; seen <= 10; seen++) random.NextInt64(seen);
        var continued = new ReservoirSampler(4, random, seen: 10);
        Assert.Equal(rest, Enumerable.Range(0, 10).Select(_ => continued.Offer()));
    }

    static Dictionary<string, int> Counts(IEnumerable<string> labels) => labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());

    static string[] Stream(Random r, params (string Label, int Count)[] classes)
    {
        var s = classes.SelectMany(c => Enumerable.Repeat(c.Label, c.Count)).ToArray();
        r.Shuffle(s);
        return s;
    }

    [Theory]
    [InlineData(900, 100, 0, 100, 50, 50, 0)]
    [InlineData(980, 20, 0, 100, 80, 20, 0)]
    [InlineData(600, 300, 20, 90, 35, 35, 20)]
    [InlineData(600, 300, 10, 91, 41, 40, 10)]
    public void ClassBalancedMemoryEqualisesTheClassesAndKeepsRareOnes(int a, int b, int c, int capacity, int wantA, int wantB, int wantC)
    {
        var labels = Stream(new Random(3), ("a", a), ("b", b), ("c", c));
        var sampler = new ClassBalancedReservoir(capacity, new Random(4));
        foreach (var l in labels) sampler.Offer(l);
        var counts = Counts(sampler.SlotLabels);
        Assert.Equal(capacity, sampler.SlotLabels.Count);
        // a 41/40 split may fall either way between the two large classes
        Assert.Equal(wantA + wantB, counts.GetValueOrDefault("a") + counts.GetValueOrDefault("b"));
        Assert.InRange(counts.GetValueOrDefault("a") - counts.GetValueOrDefault("b"), -Math.Abs(wantA - wantB), Math.Abs(wantA - wantB));
        Assert.Equal(wantC, counts.GetValueOrDefault("c"));
        Assert.Equal(a, sampler.SeenPerClass["a"]);

        var idx = ClassBalancedReservoir.Sample(labels, capacity, new Random(4));
        Assert.Equal(counts.OrderBy(kv => kv.Key), Counts(idx.Select(i => labels[i])).OrderBy(kv => kv.Key));
        Assert.Equal(idx.Order(), idx);
    }

    [Fact]
    public void SelectionKeepsExactlyTheWrongAndTheUnsureRows()
    {
        // softmax max: [2,0] → 0.881, [3,0] → 0.953, [0,1,0] → 0.576, [0,4,0] → 0.965
        float[][] logits = [[2, 0], [3, 0], [0, 3], [2, 0], [0, 1, 0], [0, 4, 0], [0, 4, 0]];
        float[] targets = [0, 0, 0, 1, 1, 1, 2];
        Assert.Equal([0, 2, 3, 4, 6], ConfidenceSelection.Select(logits, targets, threshold: 0.9));
        Assert.Equal([2, 3, 6], ConfidenceSelection.Select(logits, targets, threshold: 0.5));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], ConfidenceSelection.Select(logits, targets, threshold: 0.99));
    }
}
