namespace MLNetLlm.AutoML.Benchmarks;

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

    /// <summary>The functions by name (case-insensitive): branin, hartmann6, levy10.</summary>
    public static BenchmarkFunction FromName(string name) => name.ToLowerInvariant().Replace("-", "") switch
    {
        "branin" => Branin,
        "hartmann6" => Hartmann6,
        "levy10" => Levy10,
        _ => throw new ArgumentException($"Unknown benchmark function '{name}' (known: branin, hartmann6, levy10)."),
    };
}
