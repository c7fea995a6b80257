namespace MLNetLlm.AutoML.Tuners;

/// <summary>Expected improvement below the best loss for a Gaussian prediction (mean, standard deviation).</summary>
internal static class ExpectedImprovement
{
    const double InvSqrt2 = 0.70710678118654752440;
    const double InvSqrt2Pi = 0.39894228040143267794;

    public static double Compute(double mean, double std, double best, double xi)
    {
        double gain = best - mean - xi;
        if (!(std > 1e-12)) return Math.Max(gain, 0);
        double z = gain / std;
        double cdf = 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-z * InvSqrt2);
        double pdf = InvSqrt2Pi * Math.Exp(-0.5 * z * z);
        return gain * cdf + std * pdf;
    }
}
