using MathNet.Numerics.LinearAlgebra;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// The smooth part of the SMAC tuner's semi-parametric surrogate: a quadratic centred at the incumbent (the lowest
/// observation) — diagonal (1 + d linear + d squared terms), or full (plus the d(d − 1)/2 products of two coordinates)
/// when the fit has at least <see cref="PointsPerCoefficient"/> points per coefficient (with 14 neighbours: 2
/// coordinates) — fitted by weighted,
/// ridge-regularised least squares to the <see cref="Neighbours"/> observations nearest the incumbent (tricube weights
/// of the distance, so the farthest of them counts least). Away from the incumbent the trend fades to the mean of the
/// observations: its weight is exp(−r² / 2(<see cref="BlendScale"/> · R)²) at distance r, where R is the distance of the
/// farthest point of the fit. The forest then models what the trend leaves (regression-kriging style).
/// </summary>
internal sealed class LocalQuadraticTrend
{
    /// <summary>Observations nearest the incumbent the trend is fitted to (all of them while there are fewer).</summary>
    public const int Neighbours = 14;

    /// <summary>Ridge penalty on the non-intercept coefficients, relative to the total weight.</summary>
    public const double Ridge = 1e-6;

    /// <summary>
    /// Points of the fit needed per coefficient of the full quadratic. A diagonal quadratic cannot follow a valley that
    /// runs across the coordinates (Goldstein-Price's from its local minimum 30 down to the global 3): it fits a bowl
    /// round the incumbent and predicts no way out. The cross terms can, where enough points determine them.
    /// </summary>
    public const int PointsPerCoefficient = 2;

    /// <summary>The width of the trend's fade-out, in units of the fit's radius.</summary>
    public const double BlendScale = 0.35;

    double[] _centre = [];
    double[] _linear = [];
    double[] _curvature = [];
    double[] _cross = [];
    double _intercept, _mean, _width;

    /// <summary>The linear coefficients (per coordinate, at the centre).</summary>
    public IReadOnlyList<double> Linear => _linear;

    /// <summary>The coefficients of the squared terms.</summary>
    public IReadOnlyList<double> Curvature => _curvature;

    /// <summary>The coefficients of the products z_j z_l (j &lt; l, in row order); empty for a diagonal fit.</summary>
    public IReadOnlyList<double> Cross => _cross;

    /// <summary>The polynomial's stationary point: centre − ½ H⁻¹ b for the full quadratic; per coordinate centre − b / 2a
    /// for a diagonal one (the centre where a coordinate has no curvature).</summary>
    public double[] Stationary()
    {
        int d = _centre.Length;
        if (_cross.Length == 0)
            return _centre.Select((c, j) => _curvature[j] != 0 ? c - _linear[j] / (2 * _curvature[j]) : c).ToArray();
        var h = Matrix<double>.Build.Dense(d, d);
        for (int j = 0, c = 0; j < d; j++)
        {
            h[j, j] = 2 * _curvature[j];
            for (int l = j + 1; l < d; l++, c++) h[j, l] = h[l, j] = _cross[c];
        }
        var step = h.Solve(Vector<double>.Build.DenseOfArray(_linear));
        return _centre.Select((c, j) => c - step[j]).ToArray();
    }

    /// <summary>Fits the trend to (<paramref name="x"/>, <paramref name="y"/>), centred at the observation with the lowest y.</summary>
    public void Fit(double[][] x, double[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Length == 0 || x.Length != y.Length) throw new ArgumentException("Needs as many targets as points, at least one.", nameof(y));
        int n = x.Length, d = x[0].Length;
        _centre = (double[])x[Array.IndexOf(y, y.Min())].Clone();
        var distance = x.Select(Distance).ToArray();
        int k = Math.Min(n, Neighbours);
        double radius = distance.OrderBy(v => v).ElementAt(k - 1) * 1.01 + 1e-12;

        bool cross = k >= PointsPerCoefficient * (1 + 2 * d + d * (d - 1) / 2);
        int p = 1 + 2 * d + (cross ? d * (d - 1) / 2 : 0);
        var a = Matrix<double>.Build.Dense(p, p);
        var b = Vector<double>.Build.Dense(p);
        var row = new double[p];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double u = distance[i] / radius;
            if (u >= 1) continue;
            double w = Math.Pow(1 - u * u * u, 3);
            total += w;
            row[0] = 1;
            for (int j = 0; j < d; j++)
            {
                double z = x[i][j] - _centre[j];
                row[1 + j] = z;
                row[1 + d + j] = z * z;
            }
            if (cross)
                for (int j = 0, c = 1 + 2 * d; j < d; j++)
                    for (int l = j + 1; l < d; l++, c++) row[c] = (x[i][j] - _centre[j]) * (x[i][l] - _centre[l]);
            for (int r = 0; r < p; r++)
            {
                b[r] += w * row[r] * y[i];
                for (int c = 0; c < p; c++) a[r, c] += w * row[r] * row[c];
            }
        }
        for (int r = 1; r < p; r++) a[r, r] += Ridge * total;
        a[0, 0] += 1e-12 * Math.Max(total, 1);
        var beta = a.Solve(b);
        _intercept = beta[0];
        _linear = Enumerable.Range(0, d).Select(j => beta[1 + j]).ToArray();
        _curvature = Enumerable.Range(0, d).Select(j => beta[1 + d + j]).ToArray();
        _cross = cross ? Enumerable.Range(1 + 2 * d, p - 1 - 2 * d).Select(c => beta[c]).ToArray() : [];
        _mean = y.Average();
        _width = BlendScale * radius;
    }

    /// <summary>The trend at <paramref name="x"/>: the polynomial near the incumbent, fading to the observations' mean away from it.</summary>
    public double Predict(double[] x)
    {
        double polynomial = _intercept, r2 = 0;
        for (int j = 0; j < _centre.Length; j++)
        {
            double z = x[j] - _centre[j];
            polynomial += _linear[j] * z + _curvature[j] * z * z;
            r2 += z * z;
        }
        if (_cross.Length > 0)
            for (int j = 0, c = 0; j < _centre.Length; j++)
                for (int l = j + 1; l < _centre.Length; l++, c++) polynomial += _cross[c] * (x[j] - _centre[j]) * (x[l] - _centre[l]);
        return _mean + Math.Exp(-0.5 * r2 / (_width * _width)) * (polynomial - _mean);
    }

    double Distance(double[] x)
    {
        double s = 0;
        for (int j = 0; j < x.Length; j++) s += (x[j] - _centre[j]) * (x[j] - _centre[j]);
        return Math.Sqrt(s);
    }
}
