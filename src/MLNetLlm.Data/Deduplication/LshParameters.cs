namespace MLNetLlm.Data.Deduplication;

/// <summary>
/// Chooses the LSH banding (b bands of r rows, b·r ≤ permutations) for a Jaccard threshold t by minimizing
/// 0.1 × the false-positive area ∫₀ᵗ P(s) ds + 0.9 × the false-negative area ∫ₜ¹ (1 − P(s)) ds, where
/// P(s) = 1 − (1 − sʳ)ᵇ is the probability that two sets with similarity s share a band. False negatives weigh more
/// because every candidate is verified against its signature (a false positive costs one comparison, a false negative
/// a missed duplicate): for 128 permutations and t = 0.8 this gives 14 bands of 9 rows, P(0.9) ≈ 0.999.
/// </summary>
internal static class LshParameters
{
    static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, double), (int, int)> Cache = new();

    public static (int Bands, int Rows) Choose(int numPermutations, double threshold) =>
        Cache.GetOrAdd((numPermutations, threshold), key => Compute(key.Item1, key.Item2));

    static (int Bands, int Rows) Compute(int numPermutations, double threshold)
    {
        double best = double.MaxValue;
        (int, int) choice = (numPermutations, 1);
        for (int b = 1; b <= numPermutations; b++)
        {
            for (int r = 1; r <= numPermutations / b; r++)
            {
                double fp = Integrate(s => 1 - Math.Pow(1 - Math.Pow(s, r), b), 0, threshold);
                double fn = Integrate(s => Math.Pow(1 - Math.Pow(s, r), b), threshold, 1);
                double cost = 0.1 * fp + 0.9 * fn;
                if (cost < best) { best = cost; choice = (b, r); }
            }
        }
        return choice;
    }

    static double Integrate(Func<double, double> f, double from, double to)
    {
        const int steps = 100;
        double h = (to - from) / steps, sum = 0.5 * (f(from) + f(to));
        for (int i = 1; i < steps; i++) sum += f(from + i * h);
        return sum * h;
    }
}
