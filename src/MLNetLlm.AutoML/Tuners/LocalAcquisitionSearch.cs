namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// SMAC's acquisition maximiser on the unit hypercube: random candidates plus Gaussian neighbours of the best observed
/// points at the radius, 0.3 and 0.1 times it, then first-improvement hill climbing in the one-exchange neighbourhood (one coordinate
/// moved at a time: a Gaussian step for ordered coordinates, another cell for unordered ones) from the best candidates
/// and the best observed points.
/// </summary>
internal sealed class LocalAcquisitionSearch(Random random, int[] levels, int randomCandidates, int incumbents, int neighbours, int starts, int maxSteps)
{
    /// <summary>Neighbours of the incumbents are drawn at these fractions of the radius, in turn.</summary>
    static readonly double[] Scales = [1, 0.3, 0.1];

    public double[][] Rank(Func<double[], double> acquisition, IReadOnlyList<double[]> byLoss, double radius)
    {
        int d = levels.Length;
        var candidates = new List<double[]>(randomCandidates + incumbents * neighbours);
        for (int i = 0; i < randomCandidates; i++)
        {
            var x = new double[d];
            for (int j = 0; j < d; j++) x[j] = random.NextDouble();
            candidates.Add(x);
        }
        var top = byLoss.Take(incumbents).ToArray();
        foreach (var inc in top)
            for (int k = 0; k < neighbours; k++) candidates.Add(Neighbour(inc, radius * Scales[k % Scales.Length]));

        var scored = candidates.Select(c => (X: c, A: acquisition(c))).OrderByDescending(s => s.A).ToList();
        var climbed = new List<(double[] X, double A)>();
        foreach (var start in scored.Take(starts).Select(s => s.X).Concat(top.Take(Math.Max(1, starts / 3))))
            climbed.Add(Climb(acquisition, start, radius));
        return climbed.Concat(scored.Take(50)).OrderByDescending(s => s.A).Select(s => s.X).ToArray();
    }

    (double[] X, double A) Climb(Func<double[], double> acquisition, double[] start, double radius)
    {
        var x = start; double a = acquisition(x);
        int d = x.Length, steps = 0;
        var order = Enumerable.Range(0, d).ToArray();
        bool moved = true;
        while (moved && steps < maxSteps)
        {
            moved = false;
            random.Shuffle(order);
            foreach (int j in order)
            {
                var y = (double[])x.Clone();
                y[j] = Move(y[j], j, radius);
                double ay = acquisition(y);
                steps++;
                if (ay > a) { x = y; a = ay; moved = true; break; }
                if (steps >= maxSteps) break;
            }
        }
        return (x, a);
    }

    double[] Neighbour(double[] x, double radius)
    {
        var y = (double[])x.Clone();
        for (int j = 0; j < y.Length; j++)
        {
            if (levels[j] > 0 && random.NextDouble() > radius) continue; // unordered coordinates jump less often at small radii
            y[j] = Move(y[j], j, radius);
        }
        return y;
    }

    double Move(double v, int j, double radius)
    {
        if (levels[j] > 0)
        {
            int cell = Math.Min((int)(v * levels[j]), levels[j] - 1);
            int other = levels[j] == 1 ? cell : (cell + 1 + random.Next(levels[j] - 1)) % levels[j];
            return (other + 0.5) / levels[j];
        }
        // reflect at the walls so points near a bound are not piled onto it
        double u = v + radius * Gaussian();
        while (u < 0 || u > 1) u = u < 0 ? -u : 2 - u;
        return u;
    }

    double Gaussian()
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
