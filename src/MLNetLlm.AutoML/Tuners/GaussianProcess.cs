using MathNet.Numerics.LinearAlgebra;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// A Gaussian-process regressor with a Matérn-5/2 ARD kernel on [0,1]^d. Hyperparameters (log length scales, log
/// signal variance, log noise variance) are fitted by maximising the log marginal likelihood (plus a weak prior on the
/// length scales) with a random coordinate search warm-started from the previous fit. The Cholesky factor, K⁻¹y and
/// K⁻¹ are computed once per fit and reused by every prediction. With input warping, each coordinate first goes
/// through a Kumaraswamy CDF 1 − (1 − x^a)^b (a, b in [1/4, 4], fitted with the other hyperparameters under a weak
/// prior centred on the identity a = b = 1), which lets one length scale serve a coordinate whose function changes
/// faster at one end of its range. With the additive part, the kernel is σf² [(1 − w) k(x, x') + w (1/d) Σᵢ kᵢ(xᵢ, x'ᵢ)]:
/// the full Matérn kernel mixed with a sum of one-dimensional Matérn kernels on the same length scales, the share w
/// fitted with the other hyperparameters (its logit starts at 0, w = ½, under a weak N(0, 2²) prior, within ±6). A
/// sum of one-dimensional functions is what the additive part can represent, and it learns each coordinate's shape
/// from every observation, so where the function is (nearly) separable — a ripple per coordinate, as on Rastrigin or
/// Levy — it predicts good values at combinations of coordinates it has not seen, away from the incumbent's basin;
/// where it is not, the likelihood turns the share down.
/// </summary>
internal sealed class GaussianProcess
{
    const double Sqrt5 = 2.2360679774997896964;
    /// <summary>The standard deviation of the prior on the logit of the additive share, and its bound.</summary>
    const double AdditivePriorScale = 2, AdditiveLogitBound = 6;

    readonly int _d;
    readonly bool _warp;
    readonly bool _additive;
    // [log ℓ_1..log ℓ_d, log σf², log σn², (with warping) log a_1..log a_d, log b_1..log b_d, (additive) logit w]
    double[] _theta;
    double[][] _x = [];
    double[] _alpha = [];
    double[] _kinv = [];
    double _sf2, _share;

    public GaussianProcess(int dimension, bool inputWarping = false, bool additive = false)
    {
        _d = dimension;
        _warp = inputWarping;
        _additive = additive;
        _theta = new double[dimension + 2 + (inputWarping ? 2 * dimension : 0) + (additive ? 1 : 0)];
        for (int i = 0; i < dimension; i++) _theta[i] = Math.Log(0.3);
        _theta[dimension] = 0;              // σf² = 1 on standardised targets
        _theta[dimension + 1] = Math.Log(1e-4);
    }

    public IReadOnlyList<double> Hyperparameters => _theta;

    /// <summary>Fits hyperparameters to (x, y) with <paramref name="evaluations"/> likelihood evaluations.</summary>
    public void OptimiseHyperparameters(double[][] x, double[] y, Random random, int evaluations)
    {
        double best = LogPosterior(x, y, _theta);
        if (double.IsNaN(best)) { ResetTheta(); best = LogPosterior(x, y, _theta); }
        double step = 0.5;
        for (int e = 0; e < evaluations; e++)
        {
            var cand = (double[])_theta.Clone();
            if (random.NextDouble() < 0.3)
                for (int i = 0; i < cand.Length; i++) cand[i] += step * 0.5 * (random.NextDouble() * 2 - 1);
            else cand[random.Next(cand.Length)] += step * (random.NextDouble() * 2 - 1) * 2;
            Clamp(cand);
            double v = LogPosterior(x, y, cand);
            if (v > best) { best = v; _theta = cand; }
            else step = Math.Max(step * 0.97, 0.05);
        }
    }

    void ResetTheta()
    {
        Array.Clear(_theta);
        for (int i = 0; i < _d; i++) _theta[i] = Math.Log(0.3);
        _theta[_d] = 0;
        _theta[_d + 1] = Math.Log(1e-4);
    }

    void Clamp(double[] t)
    {
        for (int i = 0; i < _d; i++) t[i] = Math.Clamp(t[i], Math.Log(0.01), Math.Log(20));
        t[_d] = Math.Clamp(t[_d], Math.Log(0.05), Math.Log(20));
        t[_d + 1] = Math.Clamp(t[_d + 1], Math.Log(1e-6), Math.Log(0.5));
        for (int i = _d + 2; i < WarpEnd; i++) t[i] = Math.Clamp(t[i], Math.Log(0.25), Math.Log(4));
        if (_additive) t[^1] = Math.Clamp(t[^1], -AdditiveLogitBound, AdditiveLogitBound);
    }

    /// <summary>The end of the warping parameters in θ (the additive share's logit follows).</summary>
    int WarpEnd => _theta.Length - (_additive ? 1 : 0);

    /// <summary>The additive part's share w of the kernel under <paramref name="theta"/> (0 without it).</summary>
    double Share(double[] theta) => _additive ? 1 / (1 + Math.Exp(-theta[^1])) : 0;

    /// <summary>
    /// Conditions on (<paramref name="x"/>, <paramref name="y"/>) plus the points of trials still running, each valued at
    /// the current fit's mean there (the "kriging believer": the variance shrinks at them, the mean does not move), so
    /// parallel proposals spread out. Call after conditioning on (x, y); without pending points nothing changes.
    /// </summary>
    public void ConditionBelievingPending(double[][] x, double[] y, double[][] pending)
    {
        if (pending.Length == 0) return;
        var lies = pending.Select(p => Predict(p).Mean).ToArray();
        Condition(x.Concat(pending).ToArray(), y.Concat(lies).ToArray());
    }

    /// <summary>The points after the input warping of <paramref name="theta"/> (the points themselves without warping).</summary>
    double[][] Warp(double[][] x, double[] theta) => _warp ? x.Select(r => Warp(r, theta)).ToArray() : x;

    double[] Warp(double[] x, double[] theta)
    {
        if (!_warp) return x;
        var w = new double[_d];
        for (int i = 0; i < _d; i++)
        {
            double u = Math.Clamp(x[i], 0, 1), a = Math.Exp(theta[_d + 2 + i]), b = Math.Exp(theta[2 * _d + 2 + i]);
            w[i] = 1 - Math.Pow(1 - Math.Pow(u, a), b);
        }
        return w;
    }

    /// <summary>
    /// The objective of the hyperparameter search at <paramref name="theta"/>: the log marginal likelihood of (x, y)
    /// (R&amp;W eq. 5.8) plus the unnormalised log prior −½((log ℓᵢ − log ½)/1.5)² per length scale, −½(log a/0.75)²,
    /// −½(log b/0.75)² per warping parameter and −½(logit w / 2)² for the additive share; NaN when the kernel matrix
    /// cannot be factored.
    /// </summary>
    public double LogPosterior(double[][] x, double[] y, double[] theta)
    {
        var chol = Factor(Warp(x, theta), theta);
        if (chol is null) return double.NaN;
        var v = Vector<double>.Build.DenseOfArray(y);
        var a = chol.Solve(v);
        double lml = -0.5 * v.DotProduct(a) - 0.5 * chol.DeterminantLn - 0.5 * y.Length * Math.Log(2 * Math.PI);
        double prior = 0;
        for (int i = 0; i < _d; i++) { double z = (theta[i] - Math.Log(0.5)) / 1.5; prior -= 0.5 * z * z; }
        for (int i = _d + 2; i < WarpEnd; i++) { double z = theta[i] / 0.75; prior -= 0.5 * z * z; }
        if (_additive) { double z = theta[^1] / AdditivePriorScale; prior -= 0.5 * z * z; }
        return lml + prior;
    }

    MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double>? Factor(double[][] x, double[] theta)
    {
        int n = x.Length;
        double sf2 = Math.Exp(theta[_d]), sn2 = Math.Exp(theta[_d + 1]);
        var ls = new double[_d];
        for (int i = 0; i < _d; i++) ls[i] = Math.Exp(theta[i]);
        double share = Share(theta);
        var k = Matrix<double>.Build.Dense(n, n);
        for (int i = 0; i < n; i++)
        {
            k[i, i] = sf2 + sn2;
            for (int j = 0; j < i; j++) { double v = Kernel(x[i], x[j], ls, sf2, share); k[i, j] = v; k[j, i] = v; }
        }
        for (double jitter = 0; jitter <= 1e-2; jitter = jitter == 0 ? 1e-8 : jitter * 100)
        {
            try
            {
                if (jitter > 0) for (int i = 0; i < n; i++) k[i, i] += jitter;
                return k.Cholesky();
            }
            catch (ArgumentException) { }
        }
        return null;
    }

    /// <summary>σf² [(1 − w) k(a, b) + w (1/d) Σᵢ kᵢ(aᵢ, bᵢ)] for the additive share w (Matérn-5/2 throughout).</summary>
    static double Kernel(double[] a, double[] b, double[] ls, double sf2, double share)
    {
        if (share == 0) return Kernel(a, b, ls, sf2);
        double r2 = 0, sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double t = (a[i] - b[i]) / ls[i];
            r2 += t * t;
            double r1 = Math.Abs(t);
            sum += (1 + Sqrt5 * r1 + 5.0 / 3.0 * t * t) * Math.Exp(-Sqrt5 * r1);
        }
        double r = Math.Sqrt(r2);
        double full = (1 + Sqrt5 * r + 5.0 / 3.0 * r2) * Math.Exp(-Sqrt5 * r);
        return sf2 * ((1 - share) * full + share * sum / a.Length);
    }

    static double Kernel(double[] a, double[] b, double[] ls, double sf2)
    {
        double r2 = 0;
        for (int i = 0; i < a.Length; i++) { double t = (a[i] - b[i]) / ls[i]; r2 += t * t; }
        double r = Math.Sqrt(r2);
        return sf2 * (1 + Sqrt5 * r + 5.0 / 3.0 * r2) * Math.Exp(-Sqrt5 * r);
    }

    /// <summary>Conditions on (x, y) with the current hyperparameters and caches what predictions need.</summary>
    public void Condition(double[][] x, double[] y)
    {
        x = Warp(x, _theta);
        var chol = Factor(x, _theta) ?? throw new InvalidOperationException("The kernel matrix is not positive definite even with jitter.");
        int n = x.Length;
        _x = x;
        _sf2 = Math.Exp(_theta[_d]);
        _share = Share(_theta);
        _alpha = chol.Solve(Vector<double>.Build.DenseOfArray(y)).ToArray();
        var inv = chol.Solve(Matrix<double>.Build.DenseIdentity(n));
        _kinv = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) _kinv[i * n + j] = inv[i, j];
    }

    /// <summary>Posterior mean and variance of the latent function at <paramref name="x"/>.</summary>
    public (double Mean, double Variance) Predict(double[] x)
    {
        x = Warp(x, _theta);
        int n = _x.Length;
        var ls = new double[_d];
        for (int i = 0; i < _d; i++) ls[i] = Math.Exp(_theta[i]);
        Span<double> k = n <= 512 ? stackalloc double[n] : new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) { k[i] = Kernel(x, _x[i], ls, _sf2, _share); mean += k[i] * _alpha[i]; }
        double quad = 0;
        for (int i = 0; i < n; i++)
        {
            double row = 0;
            int off = i * n;
            for (int j = 0; j < n; j++) row += _kinv[off + j] * k[j];
            quad += k[i] * row;
        }
        return (mean, Math.Max(_sf2 - quad, 1e-12));
    }
}
