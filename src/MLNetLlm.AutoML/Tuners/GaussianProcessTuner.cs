using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// Bayesian optimisation with a Gaussian process (Matérn-5/2, one length scale per coordinate, fitted by marginal
/// likelihood; by default mixed with an additive kernel, a sum of one-dimensional Matérn kernels whose share is fitted
/// too: see <see cref="AdditiveKernel"/>) and Expected Improvement, maximised by random candidates plus local search. EI's incumbent is the lowest
/// posterior mean at the evaluated points (<see cref="Incumbent"/>), not the lowest observation: where the fit treats
/// part of the spread as noise, a lucky draw does not set a bar nothing can beat. Running trials are
/// stood in for by the model's mean ("kriging believer"), so parallel proposals spread out. Best for up to ~20
/// coordinates and a few hundred trials.
/// </summary>
public sealed class GaussianProcessTuner : ModelBasedTuner
{
    readonly GaussianProcess _gp;
    int _fits;

    /// <summary>A GP-EI tuner over <paramref name="searchSpace"/>.</summary>
    /// <param name="searchSpace">The space.</param>
    /// <param name="seed">Seed of the initial design and the acquisition search.</param>
    /// <param name="initialPoints">Random (Latin hypercube) points before the model is used; default max(5, d+1).</param>
    /// <param name="exploration">EI's ξ in standard deviations of the loss; larger explores more. Default 0.01.</param>
    /// <param name="startingPoints">Parameters proposed first, before the random design (e.g. a cheap known-good configuration).</param>
    /// <param name="warping">How losses are warped before the GP sees them (default <see cref="LossWarping.Auto"/>).</param>
    /// <param name="inputWarping">Whether each coordinate goes through a Kumaraswamy CDF fitted with the kernel (default true: on the
    /// screening half of the tuner benchmark it lowered the geometric mean of median regret at 50 evaluations from 0.17× to 0.10× TPE's).</param>
    /// <param name="additiveKernel">Whether the kernel mixes the full Matérn kernel with a sum of one-dimensional ones, the
    /// share fitted by marginal likelihood (default true: on the held-out half of the tuner benchmark, 90 seeds, it took
    /// the geometric mean of median regret from 0.45× / 0.49× TPE's to 0.41× / 0.47× at 20 / 50 evaluations, and
    /// Rastrigin-4 at 50 from 1.09× TPE's, significantly worse, to 0.97×; docs/benchmarks.md, "Tuners", session 12).</param>
    public GaussianProcessTuner(SearchSpace searchSpace, int seed = 0, int? initialPoints = null, double exploration = 0.01, IEnumerable<Parameter>? startingPoints = null,
        LossWarping warping = LossWarping.Auto, bool inputWarping = true, bool additiveKernel = true)
        : base(searchSpace, seed, initialPoints, randomCandidates: 600, startingPoints, warping)
    {
        if (!(exploration >= 0)) throw new ArgumentOutOfRangeException(nameof(exploration), exploration, "ξ must be ≥ 0.");
        Exploration = exploration;
        InputWarping = inputWarping;
        AdditiveKernel = additiveKernel;
        _gp = new GaussianProcess(Dimension, inputWarping, additiveKernel);
    }

    /// <summary>
    /// Whether the kernel is σf² [(1 − w) k(x, x') + w (1/d) Σᵢ kᵢ(xᵢ, x'ᵢ)], the full Matérn kernel mixed with a sum of
    /// one-dimensional ones on the same length scales, the share w fitted with the other hyperparameters (from ½).
    /// Where the function is nearly a sum of one-dimensional shapes (a ripple per coordinate), the additive part
    /// predicts good combinations of coordinates that were never evaluated together, so EI looks beyond the incumbent's
    /// basin instead of refining it; where it is not, the fit turns the share down.
    /// </summary>
    public bool AdditiveKernel { get; }

    /// <summary>Whether the inputs are warped (a Kumaraswamy CDF per coordinate, fitted with the kernel).</summary>
    public bool InputWarping { get; }

    /// <summary>EI's ξ, in standard deviations of the loss.</summary>
    public double Exploration { get; }

    private protected override Func<double[], double> FitAcquisition(double[][] x, double[] y, double[][] pending)
    {
        // a thorough first fit, then short warm-started refinements (every other proposal past 40 points)
        if (_fits == 0 || x.Length <= 40 || _fits % 2 == 0)
            _gp.OptimiseHyperparameters(x, y, Random, _fits == 0 ? 200 : 50);
        _fits++;
        _gp.Condition(x, y);
        double best = Incumbent(_gp, x).Value;
        _gp.ConditionBelievingPending(x, y, pending);
        return p =>
        {
            var (m, v) = _gp.Predict(p);
            return ExpectedImprovement.Compute(m, Math.Sqrt(v), best, Exploration);
        };
    }

    /// <summary>
    /// The lowest posterior mean of <paramref name="gp"/> (already conditioned) over the evaluated points
    /// <paramref name="x"/>, and the index of the point where it lies: EI's standard incumbent for a noisy fit. For a
    /// fit that interpolates its targets it is the lowest observation.
    /// </summary>
    internal static (double Value, int Index) Incumbent(GaussianProcess gp, double[][] x)
    {
        if (x.Length == 0) throw new ArgumentException("No evaluated points.", nameof(x));
        (double Value, int Index) best = (double.PositiveInfinity, -1);
        for (int i = 0; i < x.Length; i++)
        {
            double m = gp.Predict(x[i]).Mean;
            if (m < best.Value) best = (m, i);
        }
        return best;
    }
}
