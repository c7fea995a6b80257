using System.Globalization;
using Xunit.Sdk;

namespace MLNetLlm.Tests;

/// <summary>
/// Tolerance asserts for floating-point results: <c>|actual − expected| ≤ abs + rel·|expected|</c> (numpy's
/// <c>isclose</c> rule). Unlike <c>Assert.Equal(double, double, precision)</c>, which rounds both values first (so
/// 0.12345 and 0.12355 are "equal" to 3 digits but 0.1234999 and 0.1235001 are not), the bound is the same on every side
/// of every rounding boundary. NaN equals only NaN; infinities only themselves.
/// Linked into every test project (Directory.Build.props).
/// </summary>
internal static class AssertClose
{
    /// <summary>Whether <paramref name="actual"/> is within <c>abs + rel·|expected|</c> of <paramref name="expected"/>.</summary>
    public static bool IsClose(double expected, double actual, double abs, double rel)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual)) return double.IsNaN(expected) && double.IsNaN(actual);
        if (double.IsInfinity(expected) || double.IsInfinity(actual)) return expected == actual;
        return Math.Abs(actual - expected) <= abs + rel * Math.Abs(expected);
    }

    /// <summary>Fails unless <paramref name="actual"/> is within <c>abs + rel·|expected|</c> of <paramref name="expected"/>.</summary>
    /// <param name="abs">Absolute tolerance (≥ 0).</param>
    /// <param name="rel">Relative tolerance (≥ 0); at least one of the two must be positive.</param>
    /// <param name="what">Names the compared value in the failure message.</param>
    public static void Equal(double expected, double actual, double abs = 0, double rel = 0, string? what = null)
    {
        CheckTolerances(abs, rel);
        if (!IsClose(expected, actual, abs, rel))
            throw new XunitException(Message(what, expected, actual, abs, rel));
    }

    /// <summary>Element-wise <see cref="Equal(double, double, double, double, string?)"/>; the message names the worst element.</summary>
    public static void All(IEnumerable<double> expected, IEnumerable<double> actual, double abs = 0, double rel = 0, string? what = null)
    {
        CheckTolerances(abs, rel);
        var e = expected.ToArray();
        var a = actual.ToArray();
        if (e.Length != a.Length)
            throw new XunitException($"{what ?? "values"}: expected {e.Length} elements, got {a.Length}");
        int worst = -1, failures = 0;
        double worstExcess = double.NegativeInfinity;
        for (int i = 0; i < e.Length; i++)
        {
            if (IsClose(e[i], a[i], abs, rel)) continue;
            failures++;
            double excess = double.IsFinite(e[i]) && double.IsFinite(a[i]) ? Math.Abs(a[i] - e[i]) - (abs + rel * Math.Abs(e[i])) : double.PositiveInfinity;
            if (excess > worstExcess) { worstExcess = excess; worst = i; }
        }
        if (failures > 0)
            throw new XunitException($"{failures} of {e.Length} elements differ; worst " +
                Message($"{what ?? "values"}[{worst}]", e[worst], a[worst], abs, rel));
    }

    /// <summary>Element-wise comparison of single-precision values (compared in double).</summary>
    public static void All(IEnumerable<float> expected, IEnumerable<float> actual, double abs = 0, double rel = 0, string? what = null) =>
        All(expected.Select(x => (double)x), actual.Select(x => (double)x), abs, rel, what);

    static void CheckTolerances(double abs, double rel)
    {
        if (!(abs >= 0) || !(rel >= 0) || (abs == 0 && rel == 0))
            throw new ArgumentException($"tolerances must be non-negative and not both zero (abs {abs}, rel {rel})");
    }

    static string Message(string? what, double expected, double actual, double abs, double rel) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{what ?? "value"}: expected {expected:R}, got {actual:R} (difference {Math.Abs(actual - expected):G3}, allowed {abs + rel * Math.Abs(expected):G3} = abs {abs:G3} + rel {rel:G3})");
}
