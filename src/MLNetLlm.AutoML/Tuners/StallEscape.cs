namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// When the SMAC tuner's search has stopped paying off in the basin it is in, and how far it must then step away. A
/// forest predicts a constant away from its data and its variance does not grow with distance, so Expected Improvement
/// peaks right next to the incumbent: once the search is in a basin it keeps refining that basin's floor in ever
/// smaller steps (each a new best by a hair), whichever basin it is. A result is a <em>significant</em> improvement when
/// it beats the best loss by more than <c>tolerance</c> × (lower quartile of the losses − best loss), the scale of the
/// good quarter of the search, so that hair-thin improvements do not count. After <c>stallLimit</c> results without one,
/// every other proposal is an escape: it must lie at least <see cref="Radius"/> (root-mean-square distance in the unit
/// hypercube) from the incumbent. The radius starts at <c>firstRadius</c> and doubles with every escape (up to
/// <c>largestRadius</c>), so the tuner first looks just past the basin it knows, then further; a significant improvement
/// ends the stall and resets the radius. The proposals in between keep refining the incumbent, so a tuner that sits in
/// the global basin loses only half of its refinement steps.
/// </summary>
/// <param name="initialPoints">Results of the initial design (they never count as stalls).</param>
/// <param name="stallLimit">Results without a significant improvement before the escapes start.</param>
/// <param name="tolerance">The significant improvement, as a fraction of the gap between the lower quartile of the losses and the best loss.</param>
/// <param name="firstRadius">The first escape's least distance from the incumbent (RMS, unit hypercube).</param>
/// <param name="largestRadius">The radius stops doubling here.</param>
internal sealed class StallEscape(int initialPoints, int stallLimit = 5, double tolerance = 0.05, double firstRadius = 0.1, double largestRadius = 0.8)
{
    readonly List<double> _losses = [];
    readonly int _stallLimit = stallLimit >= 1 ? stallLimit : throw new ArgumentOutOfRangeException(nameof(stallLimit), stallLimit, "At least 1.");
    readonly double _tolerance = tolerance >= 0 ? tolerance : throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "Must be ≥ 0.");
    readonly double _first = firstRadius > 0 && largestRadius >= firstRadius
        ? firstRadius : throw new ArgumentOutOfRangeException(nameof(firstRadius), firstRadius, "Must be positive and at most the largest radius.");
    readonly double _largest = largestRadius;
    readonly int _initialPoints = initialPoints;
    double _best = double.PositiveInfinity;
    int _proposalsWhileStalled;

    /// <summary>The least distance of the next escape from the incumbent.</summary>
    public double Radius { get; private set; } = firstRadius;

    /// <summary>Results since the last significant improvement (after the design).</summary>
    public int Stalled { get; private set; }

    /// <summary>Records a result's loss.</summary>
    public void Observe(double loss)
    {
        _losses.Add(loss);
        if (_losses.Count > _initialPoints)
        {
            var sorted = _losses.Order().ToArray();
            double q25 = sorted[(int)(0.25 * (sorted.Length - 1))];
            if (loss < _best - _tolerance * (q25 - _best))
            {
                Stalled = 0;
                Radius = _first;
                _proposalsWhileStalled = 0;
            }
            else Stalled++;
        }
        _best = Math.Min(_best, loss);
    }

    /// <summary>The least distance from the incumbent for the next proposal when it is an escape (every other proposal
    /// while stalled), else null; each escape doubles the radius of the next one.</summary>
    public double? NextEscape()
    {
        if (Stalled < _stallLimit || _proposalsWhileStalled++ % 2 != 0) return null;
        double radius = Radius;
        Radius = Math.Min(2 * Radius, _largest);
        return radius;
    }
}
