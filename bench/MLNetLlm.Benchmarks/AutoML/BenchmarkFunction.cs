using MLNetLlm.AutoML;
namespace MLNetLlm.Benchmarks.AutoML;

/// <summary>A test function for tuners: box bounds, the known global minimum, and the function.</summary>
public sealed class BenchmarkFunction
{
    readonly Func<double[], double> _f;

    BenchmarkFunction(string name, double[] lower, double[] upper, double minimum, Func<double[], double> f)
    {
        Name = name; Lower = lower; Upper = upper; Minimum = minimum; _f = f;
    }

    /// <summary>The function's name.</summary>
    public string Name { get; }

    /// <summary>Lower bounds, one per coordinate.</summary>
    public IReadOnlyList<double> Lower { get; }

    /// <summary>Upper bounds, one per coordinate.</summary>
    public IReadOnlyList<double> Upper { get; }

    /// <summary>The number of coordinates.</summary>
    public int Dimension => Lower.Count;

    /// <summary>The global minimum value.</summary>
    public double Minimum { get; }

    /// <summary>The function's value at <paramref name="x"/>.</summary>
    public double Evaluate(double[] x)
    {
        if (x.Length != Dimension) throw new ArgumentException($"{Name} takes {Dimension} coordinates, not {x.Length}.");
        return _f(x);
    }

    /// <summary>Branin–Hoo on [-5,10]×[0,15]; minimum 0.397887 at three points.</summary>
    public static BenchmarkFunction Branin { get; } = new("Branin", [-5, 0], [10, 15], 0.39788735772973816, x =>
    {
        const double a = 1, b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, r = 6, s = 10, t = 1 / (8 * Math.PI);
        double u = x[1] - b * x[0] * x[0] + c * x[0] - r;
        return a * u * u + s * (1 - t) * Math.Cos(x[0]) + s;
    });

    static readonly double[] HA = [1.0, 1.2, 3.0, 3.2];
    static readonly double[,] HAm =
    {
        { 10, 3, 17, 3.5, 1.7, 8 }, { 0.05, 10, 17, 0.1, 8, 14 }, { 3, 3.5, 1.7, 10, 17, 8 }, { 17, 8, 0.05, 10, 0.1, 14 },
    };
    static readonly double[,] HP =
    {
        { 0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886 }, { 0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991 },
        { 0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650 }, { 0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381 },
    };

    /// <summary>Hartmann-6 on [0,1]^6; minimum -3.32237.</summary>
    public static BenchmarkFunction Hartmann6 { get; } = new("Hartmann-6", new double[6], Enumerable.Repeat(1.0, 6).ToArray(), -3.32236801141551, x =>
    {
        double sum = 0;
        for (int i = 0; i < 4; i++)
        {
            double inner = 0;
            for (int j = 0; j < 6; j++) { double d = x[j] - HP[i, j]; inner += HAm[i, j] * d * d; }
            sum += HA[i] * Math.Exp(-inner);
        }
        return -sum;
    });

    /// <summary>Levy in 10 dimensions on [-10,10]^10; minimum 0 at (1,…,1). Many local minima.</summary>
    public static BenchmarkFunction Levy10 { get; } = new("Levy-10", Enumerable.Repeat(-10.0, 10).ToArray(), Enumerable.Repeat(10.0, 10).ToArray(), 0, x =>
    {
        int d = x.Length;
        double W(int i) => 1 + (x[i] - 1) / 4;
        double s = Math.Pow(Math.Sin(Math.PI * W(0)), 2);
        for (int i = 0; i < d - 1; i++)
        {
            double w = W(i);
            s += (w - 1) * (w - 1) * (1 + 10 * Math.Pow(Math.Sin(Math.PI * w + 1), 2));
        }
        double wd = W(d - 1);
        return s + (wd - 1) * (wd - 1) * (1 + Math.Pow(Math.Sin(2 * Math.PI * wd), 2));
    });

    /// <summary>Six-hump camel on [-3,3]×[-2,2]; minimum -1.0316285 at (±0.0898, ∓0.7127), four more local minima.</summary>
    public static BenchmarkFunction SixHumpCamel { get; } = new("Six-hump camel", [-3, -2], [3, 2], -1.0316284534898774, x =>
    {
        double a = x[0], b = x[1];
        return (4 - 2.1 * a * a + a * a * a * a / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b;
    });

    /// <summary>Goldstein–Price on [-2,2]²; minimum 3 at (0,-1); values span 3 … ~1e6.</summary>
    public static BenchmarkFunction GoldsteinPrice { get; } = new("Goldstein-Price", [-2, -2], [2, 2], 3, x =>
    {
        double a = x[0], b = x[1];
        double p = a + b + 1, q = 2 * a - 3 * b;
        return (1 + p * p * (19 - 14 * a + 3 * a * a - 14 * b + 6 * a * b + 3 * b * b))
             * (30 + q * q * (18 - 32 * a + 12 * a * a + 48 * b - 36 * a * b + 27 * b * b));
    });

    /// <summary>Rosenbrock in 4 dimensions on [-5,10]^4; minimum 0 at (1,…,1); values up to ~2e6 (a long curved valley).</summary>
    public static BenchmarkFunction Rosenbrock4 { get; } = new("Rosenbrock-4", Repeat(-5, 4), Repeat(10, 4), 0, x =>
    {
        double s = 0;
        for (int i = 0; i < x.Length - 1; i++) { double u = x[i + 1] - x[i] * x[i], v = 1 - x[i]; s += 100 * u * u + v * v; }
        return s;
    });

    /// <summary>Ackley in 5 dimensions on the asymmetric box [-15,30]^5 (so the minimum 0 at the origin is not the box's centre); many local minima.</summary>
    public static BenchmarkFunction Ackley5 { get; } = new("Ackley-5", Repeat(-15, 5), Repeat(30, 5), 0, x =>
    {
        double sq = 0, cos = 0;
        foreach (var v in x) { sq += v * v; cos += Math.Cos(2 * Math.PI * v); }
        return -20 * Math.Exp(-0.2 * Math.Sqrt(sq / x.Length)) - Math.Exp(cos / x.Length) + 20 + Math.E;
    });

    /// <summary>Beale on [-4.5,4.5]²; minimum 0 at (3, 0.5); values span 0 … ~1.8e5 (flat valley, steep walls).</summary>
    public static BenchmarkFunction Beale { get; } = new("Beale", [-4.5, -4.5], [4.5, 4.5], 0, x =>
    {
        double a = x[0], b = x[1];
        double t1 = 1.5 - a + a * b, t2 = 2.25 - a + a * b * b, t3 = 2.625 - a + a * b * b * b;
        return t1 * t1 + t2 * t2 + t3 * t3;
    });

    static readonly double[,] H3A = { { 3, 10, 30 }, { 0.1, 10, 35 }, { 3, 10, 30 }, { 0.1, 10, 35 } };
    static readonly double[,] H3P = { { 0.3689, 0.1170, 0.2673 }, { 0.4699, 0.4387, 0.7470 }, { 0.1091, 0.8732, 0.5547 }, { 0.0381, 0.5743, 0.8828 } };

    /// <summary>Hartmann-3 on [0,1]³; minimum -3.8627798 at (0.1146, 0.5556, 0.8525).</summary>
    public static BenchmarkFunction Hartmann3 { get; } = new("Hartmann-3", new double[3], Repeat(1, 3), -3.862779787332663, x =>
    {
        double sum = 0;
        for (int i = 0; i < 4; i++)
        {
            double inner = 0;
            for (int j = 0; j < 3; j++) { double d = x[j] - H3P[i, j]; inner += H3A[i, j] * d * d; }
            sum += HA[i] * Math.Exp(-inner);
        }
        return -sum;
    });

    /// <summary>Colville on [-10,10]^4; minimum 0 at (1,1,1,1); values up to ~2.4e6.</summary>
    public static BenchmarkFunction Colville { get; } = new("Colville", Repeat(-10, 4), Repeat(10, 4), 0, x =>
    {
        double a = x[0] * x[0] - x[1], b = x[2] * x[2] - x[3];
        return 100 * a * a + (x[0] - 1) * (x[0] - 1) + (x[2] - 1) * (x[2] - 1) + 90 * b * b
             + 10.1 * ((x[1] - 1) * (x[1] - 1) + (x[3] - 1) * (x[3] - 1)) + 19.8 * (x[1] - 1) * (x[3] - 1);
    });

    static readonly double[] ShekelBeta = [0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5];
    static readonly double[,] ShekelC =
    {
        { 4, 1, 8, 6, 3, 2, 5, 8, 6, 7 }, { 4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6 }, { 4, 1, 8, 6, 3, 2, 5, 8, 6, 7 }, { 4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6 },
    };

    /// <summary>Shekel-10 on [0,10]^4; minimum -10.5364432 near (4,4,4,4); ten narrow wells on a flat plateau.</summary>
    public static BenchmarkFunction Shekel10 { get; } = new("Shekel-10", new double[4], Repeat(10, 4), -10.536443153483534, x =>
    {
        double s = 0;
        for (int i = 0; i < 10; i++)
        {
            double inner = ShekelBeta[i];
            for (int j = 0; j < 4; j++) { double d = x[j] - ShekelC[j, i]; inner += d * d; }
            s -= 1 / inner;
        }
        return s;
    });

    /// <summary>Styblinski–Tang in 5 dimensions on [-5,5]^5; minimum -39.1661657·5 at x_i = -2.9035; 2^5 basins, the
    /// shallower local one (x_i ≈ 2.75) as wide as the global one (deceptive).</summary>
    public static BenchmarkFunction StyblinskiTang5 { get; } = new("Styblinski-Tang-5", Repeat(-5, 5), Repeat(5, 5), -39.166165703771426 * 5, x =>
    {
        double s = 0;
        foreach (var v in x) s += v * v * v * v - 16 * v * v + 5 * v;
        return s / 2;
    });

    const double SchwefelArgMin = 420.9687464057923, SchwefelConstant = 418.9828872724338;

    /// <summary>Schwefel in 4 dimensions on [-500,500]^4; minimum ~0 at x_i = 420.9687, near a corner, far from the
    /// second-best basins (deceptive).</summary>
    public static BenchmarkFunction Schwefel4 { get; } = new("Schwefel-4", Repeat(-500, 4), Repeat(500, 4),
        4 * (SchwefelConstant - SchwefelArgMin * Math.Sin(Math.Sqrt(SchwefelArgMin))), x =>
    {
        double s = SchwefelConstant * x.Length;
        foreach (var v in x) s -= v * Math.Sin(Math.Sqrt(Math.Abs(v)));
        return s;
    });

    /// <summary>Rastrigin in 4 dimensions on the asymmetric box [-3.12,7.12]^4 (minimum 0 at the origin, not the box's
    /// centre); a local minimum at every integer point.</summary>
    public static BenchmarkFunction Rastrigin4 { get; } = new("Rastrigin-4", Repeat(-3.12, 4), Repeat(7.12, 4), 0, x =>
    {
        double s = 10 * x.Length;
        foreach (var v in x) s += v * v - 10 * Math.Cos(2 * Math.PI * v);
        return s;
    });

    static double[] Repeat(double v, int n) => Enumerable.Repeat(v, n).ToArray();

    /// <summary>
    /// The half of the suite tuner variants are screened on (names for <see cref="FromName"/>): Branin, Six-hump camel,
    /// Goldstein–Price, Rosenbrock-4, Ackley-5, Hartmann-6, Levy-10. Fixed before any variant of the objective transforms
    /// was tried (2026-12-02).
    /// </summary>
    public static IReadOnlyList<string> Screening { get; } = ["branin", "camel6", "goldsteinprice", "rosenbrock4", "ackley5", "hartmann6", "levy10"];

    /// <summary>
    /// The held-out half: never used to choose a setting, only to report the chosen tuners: Beale, Hartmann-3, Colville,
    /// Shekel-10, Styblinski–Tang-5, Schwefel-4, Rastrigin-4.
    /// </summary>
    public static IReadOnlyList<string> HeldOut { get; } = ["beale", "hartmann3", "colville", "shekel10", "styblinskitang5", "schwefel4", "rastrigin4"];

    /// <summary>Every function name <see cref="FromName"/> knows.</summary>
    public static IReadOnlyList<string> Names => [.. Screening, .. HeldOut];

    /// <summary>
    /// The functions by name (case-insensitive, dashes ignored): see <see cref="Names"/>; "screening", "heldout" and
    /// "all" are expanded by <see cref="Expand"/>.
    /// </summary>
    public static BenchmarkFunction FromName(string name) => name.ToLowerInvariant().Replace("-", "").Replace("_", "") switch
    {
        "branin" => Branin,
        "camel6" or "sixhumpcamel" => SixHumpCamel,
        "goldsteinprice" => GoldsteinPrice,
        "rosenbrock4" => Rosenbrock4,
        "ackley5" => Ackley5,
        "hartmann6" => Hartmann6,
        "levy10" => Levy10,
        "beale" => Beale,
        "hartmann3" => Hartmann3,
        "colville" => Colville,
        "shekel10" => Shekel10,
        "styblinskitang5" => StyblinskiTang5,
        "schwefel4" => Schwefel4,
        "rastrigin4" => Rastrigin4,
        _ => throw new ArgumentException($"Unknown benchmark function '{name}' (known: {string.Join(", ", Names)}; or screening, heldout, all)."),
    };

    /// <summary>Function names with the groups "screening", "heldout" and "all" expanded, in order, without repeats.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> names) => names.SelectMany(n => n.Trim().ToLowerInvariant() switch
    {
        "screening" => Screening,
        "heldout" or "held-out" => HeldOut,
        "all" => Names,
        var other => [other],
    }).Distinct().ToArray();

    /// <summary>Which half of the suite <paramref name="name"/> belongs to: "screening" or "held-out".</summary>
    public static string HalfOf(string name)
    {
        var f = FromName(name);
        return Screening.Any(n => FromName(n) == f) ? "screening" : "held-out";
    }

    /// <summary>The short name <see cref="FromName"/> takes for this function.</summary>
    public string Key => Names.First(n => FromName(n) == this);
}
