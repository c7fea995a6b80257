using System.Globalization;

namespace MLNetLlm.Cli.Ui;

/// <summary>The wizard's steps and the number and text formats the Razor views share (the views encode every value they show).</summary>
internal static class UiText
{
    public static readonly (string Key, string Title)[] Steps =
        [("scenario", "1 Scenario"), ("data", "2 Data"), ("steps", "3 Data steps"), ("train", "4 Train"), ("evaluate", "5 Evaluate"), ("consume", "6 Consume")];

    public static string F(double v, string format = "0.0000") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    public static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    public static string Truncate(string s, int n)
    {
        s = s.Replace("\r", " ").Replace("\n", " ");
        return s.Length > n ? s[..n] + "…" : s;
    }

    /// <summary>A number for an SVG attribute (invariant culture, one decimal).</summary>
    public static string Svg(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
