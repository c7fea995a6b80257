namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// Maximises an acquisition function over the hypercube: random candidates plus perturbations of the best observed
/// points, then a shrinking-step local search from the best few candidates. Unordered coordinates jump between
/// their cell centres; ordered ones take Gaussian steps.
/// </summary>
internal sealed class AcquisitionSearch(Random random, int[] levels, int randomCandidates = 500, int localStarts = 5, int localSteps = 40)
{
    public double[][] Rank(Func<double[], double> acquisition, IReadOnlyList<double[]> incumbents)
    {
        int d = levels.Length;
        var candidates = new List<double[]>(randomCandidates + incumbents.Count * 60);
        for (int i = 0; i < randomCandidates; i++)
        {
            var x = new double[d];
            for (int j = 0; j < d; j++) x[j] = random.NextDouble();
            candidates.Add(x);
        }
        foreach (var inc in incumbents)
            foreach (double scale in new[] { 0.01, 0.05, 0.2 })
                for (int k = 0; k < 20; k++) candidates.Add(Neighbour(inc, scale, allCoordinates: true));

        var scored = candidates.Select(c => (X: c, A: acquisition(c))).OrderByDescending(s => s.A).ToList();
        var improved = new List<(double[] X, double A)>();
        foreach (var (start, a0) in scored.Take(localStarts))
        {
            var best = start; double bestA = a0; double scale = 0.1;
            for (int s = 0; s < localSteps; s++)
            {
                var y = Neighbour(best, scale, allCoordinates: random.NextDouble() < 0.5);
                double a = acquisition(y);
                if (a > bestA) { best = y; bestA = a; }
                else scale = Math.Max(scale * 0.85, 1e-3);
            }
            improved.Add((best, bestA));
        }
        return improved.Concat(scored.Skip(localStarts).Take(50)).OrderByDescending(s => s.A).Select(s => s.X).ToArray();
    }

    double[] Neighbour(double[] x, double scale, bool allCoordinates)
    {
        var y = (double[])x.Clone();
        int only = random.Next(y.Length);
        for (int j = 0; j < y.Length; j++)
        {
            if (!allCoordinates && j != only) continue;
            if (levels[j] > 0)
            {
                if (allCoordinates && random.NextDouble() > scale) continue; // categorical jumps: rarer for small steps
                y[j] = (random.Next(levels[j]) + 0.5) / levels[j];
            }
            else y[j] = Math.Clamp(y[j] + scale * Gaussian(), 0, 1);
        }
        return y;
    }

    double Gaussian()
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
