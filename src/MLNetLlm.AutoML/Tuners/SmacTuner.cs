using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// SMAC-style Bayesian optimisation. While fewer than <c>gaussianProcessUntil</c> results are in (default 20:
/// <see cref="DefaultGaussianProcessUntil"/>), the surrogate is a Gaussian process whose mean is a local quadratic
/// trend (<see cref="TrendGaussianProcess"/>), with losses warped as <see cref="GaussianProcessTuner"/> warps them
/// (<see cref="LossWarping.Auto"/>), Expected Improvement with its ξ = 0.01 maximised by the local search below, and
/// no random or escape proposals: SMAC3's own black-box facade models with a Gaussian process, and a forest on 6–20
/// points is a coarse step function. From then on: a random-forest surrogate (<see cref="RandomForestSurrogate"/> on log-scaled losses,
/// fully grown regression trees on bags of the observations; a point's mean over the trees, its variance across the trees plus
/// within their leaves) on top of a local quadratic trend around the incumbent (the forest models the trend's
/// residuals, so the mean has a slope downhill: <see cref="LocalQuadraticTrend"/>), with Expected Improvement, maximised by SMAC's local search: random candidates and Gaussian
/// neighbours of the three best observed points at radii 0.2, 0.06 and 0.02 of the unit hypercube, then
/// first-improvement hill climbing in the one-exchange neighbourhood (one coordinate moved at a time) from the best of
/// them. A small fraction of proposals are plain random configurations (SMAC's interleaving), which keeps the search
/// global. A search stalled in a basin (no significant improvement in 5 results) makes every other proposal step away from the incumbent by a radius that doubles with each such step (<see cref="StallEscape"/>). Trials still running (parallel workers) enter the surrogate with the mean observed loss (a constant liar),
/// so simultaneous proposals spread out. Handles choices and conditional spaces naturally. Past 40 observations the
/// forest is refitted every <c>refitEvery</c> results.
/// </summary>
/// <remarks>
/// The initial design is a seeded Latin hypercube of d + 1 points for d coordinates (at least 5, at most 12:
/// <see cref="DefaultDesignSize"/>), the smallest design that can fix a linear trend in every coordinate. A forest
/// predicts a constant away from its data, so what it sees first decides which basin its local search descends into;
/// but every design point is a proposal the surrogate does not steer, and at a budget of 20 evaluations two points per
/// coordinate (the earlier default) left a 6-coordinate search only 8 model-based steps. The stall escape and the
/// random interleaving keep the search global after the design.
/// </remarks>
public sealed class SmacTuner : ModelBasedTuner
{
    /// <summary>The local search's largest neighbourhood radius, in unit-hypercube units (neighbours at 0.2, 0.06 and
    /// 0.02; hill-climbing steps of 0.2). Screened on the screening half of the tuner benchmark (docs/benchmarks.md,
    /// "Tuners"): 0.1, 0.15, 0.2 and 0.3 gave 0.45×, 0.48×, 0.36× and 0.42× TPE's median regret at 20 evaluations.</summary>
    const double Radius = 0.2;

    /// <summary>
    /// The default number of results below which the surrogate is the Gaussian process with the quadratic trend as its
    /// mean, not the forest. Screened on the screening half of the tuner benchmark (docs/benchmarks.md, "Tuners",
    /// session 12; 90 seeds, geometric mean of the regret of the same seeds with the forest throughout): with GP-EI's
    /// acquisition search, switching at 15, 20, 30 results and never gave 0.65, 0.42, 0.42 and 0.42 times the forest's
    /// regret at 20 evaluations and 0.75, 0.62, 0.69 and 0.81 times at 50; at 20 with SMAC's own local search (as
    /// here), 0.40 and 0.58. On the held-out half (never screened on) it took SMAC from 0.63× / 0.47× TPE's median
    /// regret at 20 / 50 evaluations to 0.45× / 0.43×.
    /// </summary>
    public const int DefaultGaussianProcessUntil = 20;

    /// <summary>EI's ξ while the Gaussian process is the surrogate (<see cref="GaussianProcessTuner"/>'s default).</summary>
    const double GaussianProcessExploration = 0.01;

    /// <summary>The fewest and the most points of the default initial design.</summary>
    const int MinimumDesign = 5, MaximumDesign = 12;

    readonly TrendForestSurrogate _forest;
    readonly TrendGaussianProcess _gp;
    readonly LocalAcquisitionSearch _search;
    readonly int _refitEvery;
    readonly double _randomFraction;
    readonly StallEscape? _escape;
    double? _escapeRadius;
    int _lastFitCount = -1;

    /// <summary>A SMAC tuner over <paramref name="searchSpace"/>.</summary>
    /// <param name="searchSpace">The space.</param>
    /// <param name="seed">Seed of the design, the forest and the acquisition search.</param>
    /// <param name="initialPoints">Random (Latin hypercube) points before the forest is used; default
    /// <see cref="DefaultDesignSize"/>: d + 1 for d coordinates, at least 5 and at most 12.</param>
    /// <param name="trees">Trees in the forest (default 24).</param>
    /// <param name="refitEvery">Past 40 observations, refit after this many new results (default 2).</param>
    /// <param name="startingPoints">Parameters proposed first, before the random design (e.g. a cheap known-good configuration).</param>
    /// <param name="randomFraction">Fraction of the model-based proposals replaced by random configurations; default 0.05, range 0–1.</param>
    /// <param name="localTrend">Whether the surrogate is semi-parametric (default true): a local diagonal-quadratic trend
    /// around the incumbent plus the forest on its residuals, so that the mean has a slope; false: the forest alone.</param>
    /// <param name="warping">How losses are warped before the surrogate sees them (default <see cref="LossWarping.Log"/>:
    /// splits then resolve the region near the best values instead of spending themselves on the worst ones).</param>
    /// <param name="gaussianProcessUntil">While fewer results than this are in, the surrogate is a Gaussian process with the
    /// local quadratic trend as its mean (without it when <paramref name="localTrend"/> is false), its losses warped by
    /// <see cref="LossWarping.Auto"/> whatever <paramref name="warping"/> says; from then on the forest. Default
    /// <see cref="DefaultGaussianProcessUntil"/> (20); 0: the forest from the first model-based proposal.</param>
    /// <param name="escapeStalls">Whether a search stalled in a basin steps away from it every other proposal
    /// (<see cref="StallEscape"/>: after 5 results without a significant improvement, radius 0.1 doubling to 0.8).
    /// Default true: it took Goldstein-Price at 50 evaluations from 6× TPE's median regret to 0.12× (docs/benchmarks.md, "Tuners").</param>
    public SmacTuner(SearchSpace searchSpace, int seed = 0, int? initialPoints = null, int trees = 24, int refitEvery = 2,
        IEnumerable<Parameter>? startingPoints = null, double randomFraction = 0.05, bool localTrend = true, LossWarping warping = LossWarping.Log,
        bool escapeStalls = true, int gaussianProcessUntil = DefaultGaussianProcessUntil)
        : base(searchSpace, seed, initialPoints ?? DefaultDesignSize(searchSpace?.FeatureSpaceDim ?? 0), randomCandidates: 500, startingPoints, warping)
    {
        if (trees < 2) throw new ArgumentOutOfRangeException(nameof(trees), trees, "The forest needs at least 2 trees.");
        if (refitEvery < 1) throw new ArgumentOutOfRangeException(nameof(refitEvery), refitEvery, "Must be at least 1.");
        if (gaussianProcessUntil < 0) throw new ArgumentOutOfRangeException(nameof(gaussianProcessUntil), gaussianProcessUntil, "Must be ≥ 0.");
        if (!(randomFraction is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(randomFraction), randomFraction, "Must be in [0, 1].");
        // fully grown trees: on a few dozen observations every example matters; the trees differ through their bags
        // (80% of the examples) and the coordinates each split may use (80%)
        _forest = new TrendForestSurrogate(
            new RandomForestSurrogate(trees, leaves: 64, minLeaf: 1, seed, baggingFraction: 0.8, featureFractionPerSplit: 0.8), localTrend);
        _gp = new TrendGaussianProcess(Dimension, localTrend);
        GaussianProcessUntil = gaussianProcessUntil;
        _search = new LocalAcquisitionSearch(Random, Levels, randomCandidates: 200, incumbents: 3, neighbours: 100, starts: 5, maxSteps: 40);
        _refitEvery = refitEvery;
        _randomFraction = randomFraction;
        _escape = escapeStalls ? new StallEscape(InitialPoints) : null;
    }

    /// <summary>Results below which the surrogate is the Gaussian process, not the forest.</summary>
    public int GaussianProcessUntil { get; }

    /// <summary>Whether the next model-based proposal comes from the Gaussian process (fewer than
    /// <see cref="GaussianProcessUntil"/> results so far) rather than the forest.</summary>
    internal bool UsesGaussianProcess => ObservationCount < GaussianProcessUntil;

    private protected override LossWarping CurrentWarping => UsesGaussianProcess ? LossWarping.Auto : Warping;

    /// <summary>The default initial design for <paramref name="dimension"/> coordinates: dimension + 1, at least 5 and at most 12.</summary>
    public static int DefaultDesignSize(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dimension);
        return Math.Clamp(dimension + 1, MinimumDesign, MaximumDesign);
    }

    private protected override double[] Next()
    {
        _escapeRadius = null;
        if (UsesGaussianProcess) return base.Next();
        if (ObservationCount >= InitialPoints && _randomFraction > 0 && Random.NextDouble() < _randomFraction) return RandomPoint();
        if (ObservationCount >= InitialPoints) _escapeRadius = _escape?.NextEscape();
        return base.Next();
    }

    private protected override void Observe(double[] x, double loss)
    {
        base.Observe(x, loss);
        _escape?.Observe(loss);
    }

    private protected override IEnumerable<double[]> RankCandidates(Func<double[], double> acquisition, IReadOnlyList<double[]> byLoss)
    {
        if (_escapeRadius is not { } radius || byLoss.Count == 0) return _search.Rank(acquisition, byLoss, Radius);
        // an escape: the acquisition is maximised outside the ball round the incumbent (RMS distance ≥ radius)
        var incumbent = byLoss[0];
        double least = radius * radius * incumbent.Length;
        bool Outside(double[] c)
        {
            double s = 0;
            for (int j = 0; j < c.Length; j++) s += (c[j] - incumbent[j]) * (c[j] - incumbent[j]);
            return s >= least;
        }
        return _search.Rank(c => Outside(c) ? acquisition(c) : double.NegativeInfinity, byLoss, Radius).Where(Outside);
    }

    private protected override Func<double[], double> FitAcquisition(double[][] x, double[] y, double[][] pending)
    {
        // y arrives warped and standardised (ModelBasedTuner's LossTransform)
        if (UsesGaussianProcess)
        {
            double incumbent = _gp.Fit(x, y, pending, Random);
            return p =>
            {
                var (m, v) = _gp.Predict(p);
                return ExpectedImprovement.Compute(m, Math.Sqrt(v), incumbent, GaussianProcessExploration);
            };
        }
        if (pending.Length > 0)
        {
            // constant liar (the mean observed target) for the trials still running: their neighbourhood looks no
            // better than average, so parallel workers propose elsewhere instead of next to each other
            double lie = y.Average();
            _forest.Fit(x.Concat(pending).ToArray(), y.Concat(pending.Select(_ => lie)).ToArray());
            _lastFitCount = -1; // the lies are gone by the next proposal: refit then
        }
        else if (_lastFitCount < 0 || x.Length <= 40 || x.Length - _lastFitCount >= _refitEvery)
        {
            _forest.Fit(x, y);
            _lastFitCount = x.Length;
        }
        double best = y.Min();
        return p =>
        {
            var (m, v) = _forest.Predict(p);
            double ei = ExpectedImprovement.Compute(m, Math.Sqrt(v), best, 0);
            // a tie-break towards lower predicted loss keeps the local search moving on flat EI
            return ei - 1e-9 * m;
        };
    }
}
