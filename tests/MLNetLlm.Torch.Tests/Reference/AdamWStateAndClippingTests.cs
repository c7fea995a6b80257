using MLNetLlm.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AdamW = MLNetLlm.Torch.Training.AdamW;

namespace MLNetLlm.Torch.Tests.Reference;

/// <summary>
/// The optimizer's other paths against float64 references written from the definitions: AdamW without a decay
/// predicate and with per-parameter rate scales (Loshchilov &amp; Hutter's update, on a loss whose gradient is known in
/// closed form), checkpointed moments resuming to the same weights, and <c>clip_grad_norm_</c>'s rule
/// (coefficient max_norm / (norm + 1e-6), applied only when below 1).
/// </summary>
public sealed class AdamWStateAndClippingTests
{
    const double Lr = 2e-2, Wd = 0.3, B1 = 0.9, B2 = 0.999, Eps = 1e-8;

    /// <summary>Loss Σ c·a² + Σ sin(b): gradients 2c·a and cos(b).</summary>
    static readonly double[] C = [0.5, 1.5, 3.0, 0.2, 1.0, 2.5];

    static (Parameter A, Parameter B, Parameter Unused, Parameter Frozen) Parameters()
    {
        var a = new Parameter(tensor(new float[] { 1.0f, -2.0f, 0.5f, 3.0f, -0.7f, 1.2f }));
        var b = new Parameter(tensor(new float[] { 0.3f, -1.1f, 2.0f, 0.9f }));
        var unused = new Parameter(tensor(new float[] { 4.0f, -4.0f }));
        var frozen = new Parameter(tensor(new float[] { 1.0f }), requires_grad: false);
        return (a, b, unused, frozen);
    }

    static void Backward(Parameter a, Parameter b)
    {
        using var scope = NewDisposeScope();
        ((a * a * tensor(C.Select(v => (float)v).ToArray())).sum() + b.sin().sum()).backward();
    }

    static double[] Values(Tensor t) => t.detach().data<float>().Select(v => (double)v).ToArray();

    sealed class ReferenceAdamW(double[] p, double lrScale, bool decay)
    {
        readonly double[] _m = new double[p.Length], _v = new double[p.Length];
        public double[] P { get; } = p;

        public void Step(int t, double[] g)
        {
            double lr = Lr * lrScale;
            for (int i = 0; i < P.Length; i++)
            {
                if (decay) P[i] *= 1 - lr * Wd;
                _m[i] = B1 * _m[i] + (1 - B1) * g[i];
                _v[i] = B2 * _v[i] + (1 - B2) * g[i] * g[i];
                double mHat = _m[i] / (1 - Math.Pow(B1, t)), vHat = _v[i] / (1 - Math.Pow(B2, t));
                P[i] -= lr * mHat / (Math.Sqrt(vHat) + Eps);
            }
        }
    }

    [Fact]
    public void WithoutAPredicateEveryParameterDecaysAndRateScalesMultiplyTheRate()
    {
        var (a, b, unused, frozen) = Parameters();
        using var opt = new AdamW([("a", a), ("b", b), ("unused", unused), ("frozen", frozen)], B1, B2, Eps, Wd,
            learningRateScale: name => name == "b" ? 3.0 : 1.0);
        Assert.Equal(3, opt.Parameters.Count()); // the frozen parameter is not optimised
        var refA = new ReferenceAdamW(Values(a), 1.0, decay: true);
        var refB = new ReferenceAdamW(Values(b), 3.0, decay: true);
        for (int t = 1; t <= 10; t++)
        {
            var ga = refA.P.Select((v, i) => 2 * C[i] * v).ToArray();
            var gb = refB.P.Select(Math.Cos).ToArray();
            Backward(a, b);
            opt.Step(Lr);
            opt.ZeroGrad();
            refA.Step(t, ga);
            refB.Step(t, gb);
            AssertClose.All(refA.P, Values(a), abs: 1e-6, rel: 1e-5, what: $"a after step {t}");
            AssertClose.All(refB.P, Values(b), abs: 1e-6, rel: 1e-5, what: $"b after step {t}");
        }
        Assert.Equal(10, opt.StepCount);
        // a parameter that never gets a gradient is neither decayed nor given moments
        Assert.Equal(new[] { 4.0, -4.0 }, Values(unused));
        Assert.Equal(new[] { "exp_avg.a", "exp_avg.b", "exp_avg_sq.a", "exp_avg_sq.b" }, opt.StateTensors().Keys.Order(StringComparer.Ordinal));
        // decay 0: the plain Adam update
        var (a0, b0, _, _) = Parameters();
        using var adam = new AdamW([("a", a0), ("b", b0)], B1, B2, Eps, weightDecay: 0);
        var plain = new ReferenceAdamW(Values(a0), 1.0, decay: false);
        for (int t = 1; t <= 3; t++)
        {
            var ga = plain.P.Select((v, i) => 2 * C[i] * v).ToArray();
            Backward(a0, b0);
            adam.Step(Lr);
            adam.ZeroGrad();
            plain.Step(t, ga);
        }
        AssertClose.All(plain.P, Values(a0), abs: 1e-6, rel: 1e-5, what: "a without decay");
        // a predicate turns decay off per name
        var (a1, b1, _, _) = Parameters();
        using var partial = new AdamW([("a", a1), ("b", b1)], B1, B2, Eps, Wd, decays: name => name != "a");
        var noDecayA = new ReferenceAdamW(Values(a1), 1.0, decay: false);
        var ga1 = noDecayA.P.Select((v, i) => 2 * C[i] * v).ToArray();
        Backward(a1, b1);
        partial.Step(Lr);
        noDecayA.Step(1, ga1);
        AssertClose.All(noDecayA.P, Values(a1), abs: 1e-6, rel: 1e-5, what: "a excluded from decay");
    }

    static void Steps(AdamW opt, Parameter a, Parameter b, int count)
    {
        for (int t = 0; t < count; t++) { Backward(a, b); opt.Step(Lr); opt.ZeroGrad(); }
    }

    /// <summary>
    /// Six uninterrupted steps on one set of parameters (A, B), and three on a second set (A2, B2) by an optimizer that
    /// is then disposed, leaving copies of its moments: those named in <paramref name="keep"/>, or all of them.
    /// </summary>
    static (Parameter A, Parameter B, Parameter A2, Parameter B2, Dictionary<string, Tensor> Saved) SixStepsAndThreeSaved(string[]? keep = null)
    {
        var (a, b, _, _) = Parameters();
        using (var straight = new AdamW([("a", a), ("b", b)], B1, B2, Eps, Wd)) Steps(straight, a, b, 6);
        var (a2, b2, _, _) = Parameters();
        using var first = new AdamW([("a", a2), ("b", b2)], B1, B2, Eps, Wd);
        Steps(first, a2, b2, 3);
        var state = first.StateTensors();
        var saved = (keep ?? state.Keys.ToArray()).ToDictionary(k => k, k => state[k].clone(), StringComparer.Ordinal);
        return (a, b, a2, b2, saved);
    }

    [Fact]
    public void SavedMomentsResumeToTheSameParameters()
    {
        var (a, b, a2, b2, saved) = SixStepsAndThreeSaved();
        Assert.Equal(4, saved.Count);
        using var resumed = new AdamW([("a", a2), ("b", b2)], B1, B2, Eps, Wd);
        // moments already present are replaced by the loaded ones
        Backward(a2, b2);
        double[] beforeA = Values(a2), beforeB = Values(b2);
        resumed.Step(0); // a zero rate leaves the weights but creates moments from this gradient
        resumed.ZeroGrad();
        Assert.Equal(beforeA, Values(a2));
        Assert.Equal(beforeB, Values(b2));
        resumed.LoadState(saved, 3);
        Assert.Equal(3, resumed.StepCount);
        Steps(resumed, a2, b2, 3);
        AssertClose.All(Values(a), Values(a2), abs: 1e-7, rel: 1e-6, what: "a resumed");
        AssertClose.All(Values(b), Values(b2), abs: 1e-7, rel: 1e-6, what: "b resumed");
        foreach (var t in saved.Values) t.Dispose();
    }

    [Fact]
    public void MomentsLoadIntoAFreshOptimizerAndParametersWithoutSavedMomentsStartFromZero()
    {
        var (a, b, a2, b2, saved) = SixStepsAndThreeSaved(["exp_avg.a", "exp_avg_sq.a", "exp_avg.b"]); // b: half a pair
        // an optimizer that has no moments yet: a's are loaded, b's half pair is ignored, so b starts from zero moments
        using var resumed = new AdamW([("a", a2), ("b", b2)], B1, B2, Eps, Wd);
        resumed.LoadState(saved, 3);
        foreach (var t in saved.Values) t.Dispose(); // the optimizer keeps its own copies
        Assert.Equal(new[] { "exp_avg.a", "exp_avg_sq.a" }, resumed.StateTensors().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, resumed.StepCount);
        var refB = new ReferenceAdamW(Values(b2), 1.0, decay: true);
        for (int t = 4; t <= 6; t++)
        {
            var gb = refB.P.Select(Math.Cos).ToArray();
            Backward(a2, b2);
            resumed.Step(Lr);
            resumed.ZeroGrad();
            refB.Step(t, gb); // zero moments, bias correction of step t
        }
        AssertClose.All(Values(a), Values(a2), abs: 1e-7, rel: 1e-6, what: "a resumed from its loaded moments");
        AssertClose.All(refB.P, Values(b2), abs: 1e-6, rel: 1e-5, what: "b restarted from zero moments at step 4");
        Assert.Equal(6, resumed.StepCount);
    }

    [Fact]
    public void ClippingScalesTheGlobalNormToTheLimitAndReportsTheNormBefore()
    {
        // small gradients (norm ≈ 0.012), so the 1e-6 in the coefficient shows at 1e-4 relative
        var (a, b, unused, _) = Parameters();
        using var opt = new AdamW([("a", a), ("b", b), ("unused", unused)], weightDecay: 0);
        Assert.Equal(0, opt.ClipGradNorm(1.0)); // no gradients yet
        double[] ga = [0.003, -0.004, 0.002, 0.0, 0.001, -0.005], gb = [0.006, 0.002, -0.001, 0.007];
        void SetGradients() // the gradient of a linear loss is its coefficients
        {
            opt.ZeroGrad();
            using var scope = NewDisposeScope();
            ((a * tensor(ga.Select(v => (float)v).ToArray())).sum() + (b * tensor(gb.Select(v => (float)v).ToArray())).sum()).backward();
        }
        double norm = Math.Sqrt(ga.Concat(gb).Sum(v => (double)(float)v * (float)v));

        SetGradients();
        AssertClose.Equal(norm, opt.ClipGradNorm(0.005), rel: 1e-6, what: "norm before clipping");
        double coef = 0.005 / (norm + 1e-6);
        AssertClose.All(ga.Select(v => v * coef), Values(a.grad!), abs: 1e-12, rel: 1e-6, what: "clipped a");
        AssertClose.All(gb.Select(v => v * coef), Values(b.grad!), abs: 1e-12, rel: 1e-6, what: "clipped b");

        SetGradients();
        AssertClose.Equal(norm, opt.ClipGradNorm(0.5), rel: 1e-6);
        AssertClose.All(ga, Values(a.grad!), abs: 1e-9, what: "a below the limit"); // under the limit: untouched
        SetGradients();
        AssertClose.Equal(norm, opt.ClipGradNorm(0), rel: 1e-6);
        AssertClose.All(gb, Values(b.grad!), abs: 1e-9, what: "b without a limit");
    }
}
